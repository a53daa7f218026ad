/** Exams API (pinned contract): my exams, attempts, answers, section gate, submit, results, practice. */
const http = require('../utils/request')

const PATHS = {
  exams: '/exams',
  start: (kind) => `/exams/${kind}/attempts`,
  attempt: (ref) => `/exams/attempts/${encodeURIComponent(ref)}`,
  answer: (ref, q) => `/exams/attempts/${encodeURIComponent(ref)}/answers/${encodeURIComponent(q)}`,
  finishSection: (ref, s) => `/exams/attempts/${encodeURIComponent(ref)}/sections/${encodeURIComponent(s)}/finish`,
  submit: (ref) => `/exams/attempts/${encodeURIComponent(ref)}/submit`,
  results: '/exams/results',
  practice: '/exams/practice/questions',
  practiceCheck: (q) => `/exams/practice/questions/${encodeURIComponent(q)}/check`,
}

const KIND_TEXT = { humanities: '人文医学测评', professional: '业务水平测评' }

/** [{exam_kind, title, status, reason, duration_minutes, question_count, window_closes_at, is_make_up, best_score, attempt_ref}] */
async function list() {
  const res = await http.get(PATHS.exams)
  return Array.isArray(res) ? res : res.items
}

/** 201 attempt JSON; needs an accepted face capture taken in the last 30 minutes. */
function start(kind, { captureId, deviceId }) {
  return http.post(PATHS.start(kind), { capture_id: captureId, device_id: deviceId })
}

function attempt(ref, { deviceId }) {
  return http.get(PATHS.attempt(ref), null, { header: { 'X-Device-Id': deviceId } })
}

/** → {question_ref, seq, saved_at, server_time, deadline_at}. Idempotent for the same seq. */
function saveAnswer(ref, questionRef, { optionIds, seq, deviceId }) {
  return http.put(
    PATHS.answer(ref, questionRef),
    { option_ids: optionIds, seq },
    { header: { 'X-Device-Id': deviceId } },
  )
}

function finishSection(ref, section, { deviceId }) {
  return http.post(PATHS.finishSection(ref, section), {}, { header: { 'X-Device-Id': deviceId } })
}

function submit(ref, { deviceId }) {
  return http.post(PATHS.submit(ref), {}, { header: { 'X-Device-Id': deviceId } })
}

async function results() {
  const res = await http.get(PATHS.results)
  return Array.isArray(res) ? res : res.items
}

/** Law-section practice questions (untimed, unscored). */
async function practiceQuestions({ limit = 10 } = {}) {
  const res = await http.get(PATHS.practice, { limit })
  return Array.isArray(res) ? res : res.items
}

function checkPractice(questionRef, optionIds) {
  return http.post(PATHS.practiceCheck(questionRef), { option_ids: optionIds })
}

module.exports = {
  PATHS,
  KIND_TEXT,
  list,
  start,
  attempt,
  saveAnswer,
  finishSection,
  submit,
  results,
  practiceQuestions,
  checkPractice,
}
