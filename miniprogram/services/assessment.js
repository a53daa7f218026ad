/**
 * Periodic assessment: binding, user notice, enrolment, procedure, self-evaluation and work report (drafts),
 * exemption with proofs, result and the result-notice PDF. The assessment part lands later: every path is
 * here, in one table, to align with it.
 */
const http = require('../utils/request')

const BASE = '/assessment'
const PATHS = {
  home: `${BASE}/home`,
  binding: `${BASE}/binding`,
  notice: `${BASE}/notice`,
  enrolment: `${BASE}/enrolment`,
  procedure: `${BASE}/procedure`,
  procedureOptions: `${BASE}/procedure/options`,
  selfEvaluation: `${BASE}/self-evaluation`,
  exemption: `${BASE}/exemption`,
  proofs: `${BASE}/proofs`,
  result: `${BASE}/result`,
  resultNotice: `${BASE}/result/notice.pdf`,
  results: `${BASE}/results`,
  noticeOf: (id) => `${BASE}/results/${id}/notice.pdf`,
  appealsOf: (id) => `${BASE}/results/${id}/appeals`,
  appeals: `${BASE}/appeals`,
  appeal: (id) => `${BASE}/appeals/${id}`,
}

const PROCEDURES = [
  { value: 'simplified', title: '简易程序', hint: '符合条件之一，提交证明材料，经审核后适用' },
  { value: 'general', title: '一般程序', hint: '完成自评、述职与业务水平测评' },
]

const SELF_EVALUATION_PARTS = [
  { key: 'practice_record', title: '执业行为记录' },
  { key: 'work_performance', title: '工作成绩' },
  { key: 'professional_ethics', title: '职业道德' },
  { key: 'work_report', title: '个人述职报告' },
]

// current_step (HomeOut) → the page that handles it, in the order of the assessment.
const STEP_PAGES = {
  binding: '/assessment/pages/index/index',
  user_notice: '/assessment/pages/notice/index',
  enrolment: '/assessment/pages/enrolment/index',
  procedure: '/assessment/pages/procedure/index',
  self_evaluation: '/assessment/pages/self-evaluation/index',
  professional_exam: '/exam/pages/index/index',
  professional_make_up: '/exam/pages/index/index',
  humanities_exam: '/exam/pages/index/index',
  result: '/assessment/pages/result/index',
}

/** {bound, current_step, next_action, province_code, cycle, windows[{kind,label,opens_at,closes_at,is_open}], assessment, previous}. */
const home = () => http.get(PATHS.home)
/** With the one-time credential from the institution / office; a new password is set at the same time. */
/**
 * Binding takes every document type the registry accepts (the server gains id_type on w3-appeal); a resident
 * ID is sent as before, without id_type, so a server that knows only resident IDs takes it too.
 */
const bind = ({ provinceCode, idType = 'resident_id', idNumber, name, credential, newPassword }) =>
  http.post(PATHS.binding, {
    province_code: provinceCode,
    ...(idType && idType !== 'resident_id' ? { id_type: idType } : {}),
    id_number: idNumber,
    name,
    credential,
    new_password: newPassword,
  })
/** {version, title, text, accepted, accepted_at}. */
const notice = () => http.get(PATHS.notice)
const acceptNotice = ({ version }) => http.post(PATHS.notice, { version })
/** {cycle, window, status, personal, registry, registry_found, specialty, info_change_hint}. */
const enrolment = () => http.get(PATHS.enrolment)
const submitEnrolment = ({ dataCorrect, specialty, contactPhone = null }) =>
  http.post(
    PATHS.enrolment,
    contactPhone
      ? { data_correct: dataCorrect, specialty, contact_phone: contactPhone }
      : { data_correct: dataCorrect, specialty },
  )
/** {simplified_conditions: [{code, label}], exemption_reasons: [{code, label}]}. */
const procedureOptions = () => http.get(PATHS.procedureOptions)
const chooseProcedure = ({ procedure, conditions = [], proofIds = [] }) =>
  http.put(PATHS.procedure, { procedure, conditions, proof_ids: proofIds })
const selfEvaluation = () => http.get(PATHS.selfEvaluation)
// PUT saves the draft as the physician types; POST submits what is saved to the institution.
const saveSelfEvaluationDraft = (parts) => http.put(PATHS.selfEvaluation, parts)
const submitSelfEvaluation = () => http.post(PATHS.selfEvaluation, {})
/** One file (field `file`) → its proof {id, kind, filename, size}. */
async function uploadProof({ filePath }) {
  const res = await http.upload({ path: PATHS.proofs, filePath, name: 'file' })
  return res.items[0]
}
/** reason: a code of procedureOptions().exemption_reasons. */
const requestExemption = ({ reason, proofIds }) => http.post(PATHS.exemption, { reason, proof_ids: proofIds })
/** {cycle, assessment: {result, verification_code, professional_score, humanities_score, …}}. */
const result = () => http.get(PATHS.result)
const downloadResultNotice = () => http.download({ path: PATHS.resultNotice })

/**
 * This cycle's and the past two cycles' results, each per practice site (CycleResultOut, being added on
 * w3-appeal). A server without it (404) gives this cycle's only, from GET /assessment/result.
 */
async function results() {
  try {
    return (await http.get(PATHS.results)).items
  } catch (err) {
    if (err.status !== 404) throw err
  }
  const current = await http.get(PATHS.result)
  const a = current.assessment || {}
  if (!current.cycle) return []
  return [
    {
      assessment_id: a.id,
      cycle: current.cycle,
      is_current: true,
      result: a.result || null,
      result_label: a.result_label || null,
      status_label: a.status_label || '',
      professional_score: a.professional_score === undefined ? null : a.professional_score,
      humanities_score: a.humanities_score === undefined ? null : a.humanities_score,
      verification_code: a.verification_code || null,
      notice_url: a.result ? `/api/v1${PATHS.resultNotice}` : null,
      sites: [],
      appeal: { allowed: false, items: [], period_days: 0, deadline: null },
    },
  ]
}

/** The notice PDF of one result (its notice_url), downloaded with the token and opened. */
async function openNotice(noticeUrl) {
  const path = String(noticeUrl).replace(/^.*\/api\/v1/, '')
  return http.openDownload({ path })
}

/** 成绩有问题: the reason, and one optional file (PDF/JPG/PNG, ≤ 4 MB) sent as multipart with it. */
async function fileAppeal({ assessmentId, reason, filePath = null, onProgress = null }) {
  if (!filePath) return http.post(PATHS.appealsOf(assessmentId), { reason })
  return http.upload({ path: PATHS.appealsOf(assessmentId), filePath, name: 'file', formData: { reason }, onProgress })
}
const appeals = async () => (await http.get(PATHS.appeals)).items
const appeal = (id) => http.get(PATHS.appeal(id))

module.exports = {
  PATHS,
  PROCEDURES,
  SELF_EVALUATION_PARTS,
  STEP_PAGES,
  home,
  bind,
  notice,
  acceptNotice,
  enrolment,
  submitEnrolment,
  procedureOptions,
  chooseProcedure,
  selfEvaluation,
  saveSelfEvaluationDraft,
  submitSelfEvaluation,
  uploadProof,
  requestExemption,
  result,
  downloadResultNotice,
  results,
  openNotice,
  fileAppeal,
  appeals,
  appeal,
}
