/**
 * The assessment office's workbench (role office_reviewer; admin where the server allows): cycles and their
 * windows, pass marks and exam rules, the question bank, proctoring flags, progress and reminders. The server
 * scopes every answer to the office's region.
 */
const http = require('../utils/request')

const PATHS = {
  cycles: '/assessment/cycles',
  windows: '/assessment/windows',
  rules: '/assessment/rules',
  readiness: '/assessment/exam-readiness',
  definitions: '/exams/admin/definitions',
  importQuestions: '/exams/admin/questions/import',
  exportQuestions: '/exams/admin/questions/export',
  flags: '/proctoring/flags',
  flag: (id) => `/proctoring/flags/${id}`,
  decide: (id) => `/proctoring/flags/${id}/decision`,
  image: (id) => `/proctoring/images/${encodeURIComponent(id)}`,
  progress: '/assessment/progress',
  people: '/assessment/progress/people',
  peopleXlsx: '/assessment/progress/people.xlsx',
  reminders: '/assessment/progress/reminders',
  specialties: '/lookups/specialties',
}

// The server's WindowKind, as a person reads it (a window also carries its own `label`).
const WINDOW_KINDS = [
  { kind: 'enrolment', label: '报名' },
  { kind: 'self_evaluation', label: '自评' },
  { kind: 'exam', label: '考试' },
  { kind: 'make_up', label: '补考' },
]

// Steps of /assessment/progress/people (the schema's enum and its words); `remind` where a reminder may go.
const STEPS = [
  { step: 'not_bound', label: '未绑定定考账号', remind: true },
  { step: 'not_enrolled', label: '未报名', remind: true },
  { step: 'enrolment', label: '待报名（草稿、退回）', remind: true },
  { step: 'enrolment_review', label: '报名审核中' },
  { step: 'procedure', label: '待选择程序', remind: true },
  { step: 'self_evaluation', label: '待自评', remind: true },
  { step: 'self_evaluation_review', label: '自评审核中' },
  { step: 'exams', label: '待测评', remind: true },
  { step: 'passed', label: '合格' },
  { step: 'failed', label: '不合格' },
]

const FLAG_REASONS = {
  face_missing: '未检测到人脸',
  face_multiple: '多张人脸',
  snapshot_missed: '未按时拍照',
  face_mismatch: '与证件照或考前采集不一致',
  identity_unverified: '未比对且未经人工核验即开始测评',
}
const FLAG_STATUS = { open: '待处理', cleared: '已排除', invalidated: '判定无效' }
const IDENTITY_VIA = {
  face_match: '比对一致',
  face_mismatch: '比对不一致',
  no_reference: '无证件照',
  not_compared: '未比对',
  identity_confirmed: '考核机构人工核验',
}
const EXAM_KINDS = { humanities: '人文医学测评', professional: '业务水平测评' }
const SECTIONS = { law: '法律法规', humanities: '人文医学', professional: '专业知识' }
const QUESTION_TYPES = { single: '单选题', multiple: '多选题', true_false: '判断题' }

const XLSX_TYPE = 'xlsx'

// ---- cycles and windows
const cycles = () => http.get(PATHS.cycles)
const createCycle = ({ name, startsOn, endsOn }) =>
  http.post(PATHS.cycles, { name, starts_on: startsOn, ends_on: endsOn })
const windows = (cycleId) => http.get(PATHS.windows, { cycle_id: cycleId })

/** Times are "YYYY-MM-DDTHH:mm:ss" without a zone: the server reads them as Beijing time. */
function setWindow({ kind, opensAt, closesAt, regionCode = null, cycleId = null }) {
  const body = { kind, opens_at: opensAt, closes_at: closesAt }
  if (regionCode) body.region_code = regionCode
  if (cycleId) body.cycle_id = cycleId
  return http.put(PATHS.windows, body)
}

const clearWindow = ({ kind, regionCode = null, cycleId = null }) =>
  http.request({ method: 'DELETE', path: PATHS.windows, query: { kind, region_code: regionCode, cycle_id: cycleId } })

// ---- pass marks, exam rules, readiness
const rules = (cycleId) => http.get(PATHS.rules, { cycle_id: cycleId })

function setRules({ professional, humanities, bySpecialty = null, cycleId = null }) {
  const body = { professional_pass_mark: professional, humanities_pass_mark: humanities }
  if (bySpecialty) body.professional_pass_marks_by_specialty = bySpecialty
  if (cycleId) body.cycle_id = cycleId
  return http.put(PATHS.rules, body)
}

const definitions = (cycleId) => http.get(PATHS.definitions, { cycle_id: cycleId })

/** definition: a DefinitionOut (or the same fields): PUT sends the DefinitionIn fields only. */
function setDefinition(d) {
  return http.put(PATHS.definitions, {
    cycle_id: d.cycle_id,
    province_code: d.province_code,
    exam_kind: d.exam_kind,
    title: d.title || null,
    duration_minutes: d.duration_minutes,
    attempts_allowed: d.attempts_allowed,
    make_up_allowed: d.make_up_allowed,
    sections: d.sections.map((s) => ({
      section: s.section,
      counts: s.counts,
      pass_mark: s.pass_mark,
      ...(s.by_specialty ? { by_specialty: s.by_specialty } : {}),
    })),
  })
}

const readiness = (cycleId) => http.get(PATHS.readiness, { cycle_id: cycleId })

/** The exam specialties [{code, name, practice_scopes}] (pass marks may be set per specialty). */
const specialties = () => http.get(PATHS.specialties, null, { auth: false }).then((r) => r.items)

// ---- question bank
/** Upload a bank file (xlsx or JSON, told apart by the server from its content): {created, updated}. */
const importQuestions = (filePath) => http.upload({ path: PATHS.importQuestions, filePath, name: 'file' })

/** The bank as a downloaded temp file (xlsx by default). */
const exportQuestions = ({ format = XLSX_TYPE, section = null } = {}) =>
  http.download({ path: PATHS.exportQuestions, query: { format, section } })

// The bank file's columns (xlsx headers, JSON keys) as the import's row errors name them.
const BANK_COLUMNS = {
  ref: '题目编号（ref）',
  section: '题库（section）',
  specialty: '考核专业（specialty）',
  type: '题型（type）',
  stem: '题干（stem）',
  options: '选项（A～F）',
  answer: '答案（answer）',
  explanation: '解析（explanation）',
  difficulty: '难度（difficulty）',
}

/**
 * The rows the server refused in an import, one line per message: details.rows is
 * [{row, ref, errors: [message], columns: [column of each message]}].
 */
function importErrors(err) {
  const rows = (err && err.details && err.details.rows) || []
  const out = []
  rows.forEach((r) =>
    (r.errors && r.errors.length ? r.errors : ['']).forEach((message, i) => {
      const column = (r.columns || [])[i]
      out.push({ key: `${r.row}-${i}`, row: r.row, ref: r.ref || '', column: BANK_COLUMNS[column] || '', message })
    }),
  )
  return out
}

// ---- proctoring flags
const flags = ({ status = null, cursor = null, limit = 20 } = {}) => http.get(PATHS.flags, { status, cursor, limit })
const flag = (id) => http.get(PATHS.flag(id))
const decide = (id, { decision, reason }) => http.post(PATHS.decide(id), { decision, reason })
/** A face image through the Authorization header (each view is audited by the server): a temp file path. */
const image = (imageId) => http.download({ path: PATHS.image(imageId) })

// ---- progress and reminders
const progress = (cycleId) => http.get(PATHS.progress, { cycle_id: cycleId })

/** The filters of the list, its Excel and a reminder: step, institution, region, name (contains), cycle. */
function peopleQuery({ step = null, institutionId = null, regionCode = null, name = null, cycleId = null } = {}) {
  const trimmed = name ? String(name).trim() : ''
  return { step, institution_id: institutionId, region_code: regionCode, name: trimmed || null, cycle_id: cycleId }
}

const people = ({ cursor = null, limit = 20, ...filters } = {}) =>
  http.get(PATHS.people, { ...peopleQuery(filters), cursor, limit })

const peopleXlsx = (filters = {}) => http.download({ path: PATHS.peopleXlsx, query: peopleQuery(filters) })

/** {matched, sent, already_today, no_account}. */
function remind(filters) {
  const body = {}
  Object.entries(peopleQuery(filters)).forEach(([k, v]) => {
    if (v !== null && v !== undefined) body[k] = v
  })
  return http.post(PATHS.reminders, body)
}

/** Open a downloaded file (xlsx) so desktop WeChat can save it. */
function openFile(filePath, fileType = XLSX_TYPE) {
  return http.openDocument(filePath, fileType)
}

/** Does region `outer` contain `inner` (GB/T 2260: a province ends in 0000, a city in 00)? */
function regionCovers(outer, inner) {
  if (!outer || !inner) return false
  const prefix = outer.endsWith('0000') ? outer.slice(0, 2) : outer.endsWith('00') ? outer.slice(0, 4) : outer
  return inner.startsWith(prefix)
}

module.exports = {
  PATHS,
  WINDOW_KINDS,
  STEPS,
  FLAG_REASONS,
  FLAG_STATUS,
  IDENTITY_VIA,
  EXAM_KINDS,
  SECTIONS,
  QUESTION_TYPES,
  cycles,
  createCycle,
  windows,
  setWindow,
  clearWindow,
  rules,
  setRules,
  definitions,
  setDefinition,
  readiness,
  specialties,
  importQuestions,
  exportQuestions,
  importErrors,
  flags,
  flag,
  decide,
  image,
  progress,
  people,
  peopleXlsx,
  remind,
  openFile,
  regionCovers,
}
