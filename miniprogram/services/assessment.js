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
  selfEvaluation: `${BASE}/self-evaluation`,
  exemption: `${BASE}/exemption`,
  proofs: `${BASE}/proofs`,
  result: `${BASE}/result`,
  resultNotice: `${BASE}/result/notice.pdf`,
}

const PROCEDURES = [
  { value: 'simplified', title: '简易程序', hint: '符合条件的医师可选择，免于业务水平测评以外的部分环节' },
  { value: 'general', title: '一般程序', hint: '完成自评、述职与业务水平测评' },
]

const SELF_EVALUATION_PARTS = [
  { key: 'practice_record', title: '执业行为记录' },
  { key: 'work_performance', title: '工作成绩' },
  { key: 'professional_ethics', title: '职业道德' },
  { key: 'work_report', title: '个人述职报告' },
]

const home = () => http.get(PATHS.home)
const bind = (body) => http.post(PATHS.binding, body)
const notice = () => http.get(PATHS.notice)
const acceptNotice = ({ version }) => http.post(PATHS.notice, { accepted: true, version })
const enrolment = () => http.get(PATHS.enrolment)
const submitEnrolment = (body) => http.post(PATHS.enrolment, body)
const chooseProcedure = ({ procedure }) => http.post(PATHS.procedure, { procedure })
const selfEvaluation = () => http.get(PATHS.selfEvaluation)
// A draft is saved as the physician types; submit sends it to the institution.
const saveSelfEvaluationDraft = (parts) => http.put(PATHS.selfEvaluation, { ...parts, submit: false })
const submitSelfEvaluation = (parts) => http.put(PATHS.selfEvaluation, { ...parts, submit: true })
const uploadProof = ({ filePath }) => http.upload({ path: PATHS.proofs, filePath, name: 'file' })
const requestExemption = ({ reason, proofIds }) => http.post(PATHS.exemption, { reason, proof_ids: proofIds })
const result = () => http.get(PATHS.result)
const downloadResultNotice = () => http.download({ path: PATHS.resultNotice })

module.exports = {
  PATHS,
  PROCEDURES,
  SELF_EVALUATION_PARTS,
  home,
  bind,
  notice,
  acceptNotice,
  enrolment,
  submitEnrolment,
  chooseProcedure,
  selfEvaluation,
  saveSelfEvaluationDraft,
  submitSelfEvaluation,
  uploadProof,
  requestExemption,
  result,
  downloadResultNotice,
}
