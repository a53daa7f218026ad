/** Reviewer API of the review engine (/reviews/*) and the applicant's own items (/my/reviews/*). */
const http = require('../utils/request')
const { clientError } = require('../utils/errors')

const PATHS = {
  queue: '/reviews/queue',
  counts: '/reviews/queue/counts',
  item: (id) => `/reviews/items/${id}`,
  approve: (id) => `/reviews/items/${id}/approve`,
  reject: (id) => `/reviews/items/${id}/reject`,
  return: (id) => `/reviews/items/${id}/return`,
  batch: '/reviews/batch-approve',
  history: '/reviews/history',
  stats: '/reviews/stats',
  mine: '/my/reviews',
  myItem: (id) => `/my/reviews/${id}`,
  withdraw: (id) => `/my/reviews/${id}/withdraw`,
  resubmit: (id) => `/my/reviews/${id}/resubmit`,
  // Files a reviewer's detail opens (each GET checks who asks); the item's `files` carry these as `href`.
  formPdf: (id) => `/registry/applications/${id}/form.pdf`,
  photo: (id) => `/registry/info-changes/${id}/photo`,
  currentPhoto: (id) => `/registry/info-changes/${id}/current-photo`,
}

// Review kinds registered on the server (server/assessment/review_kinds.py, server/registry/review_kinds.py),
// for the queue's tabs; an item carries its own `title`, this names a tab whose items are not on the page.
const KIND_TITLES = {
  assessment_enrolment: '定期考核报名（信息确认）',
  assessment_self_evaluation: '定期考核自评（工作成绩、职业道德）',
  assessment_exemption: '业务水平测评免考申请',
  assessment_appeal: '定期考核成绩申诉',
  proctoring_identity: '人工核验身份（不使用人脸比对）',
  registry_info_change: '医师信息修改',
  registry_photo: '医师相片更新',
  registry_register: '注册',
  registry_assistant_upgrade: '助理医师升执业医师',
  registry_military_transfer_in: '军队变更入',
  registry_military_transfer_out: '变更到军队',
  registry_change: '变更注册',
  registry_cancel: '注销注册',
  registry_multi_site_file: '多执业机构备案',
  registry_multi_site_unfile: '多执业机构取消备案',
  registry_multi_site_withdraw: '申请取消“多地点执业”',
  registry_institution_filing: '注册备案（机构申请）',
  registry_institution_cancellation: '注销注册（机构申请）',
}

// The workflow's status words as a person reads them.
const STATUS_TEXT = {
  pending: '待审核',
  approved: '已通过',
  rejected: '未通过',
  returned: '已退回',
  withdrawn: '已撤回',
}
const ACTION_TEXT = {
  submit: '提交',
  approve: '通过',
  reject: '不通过',
  return: '退回修改',
  resubmit: '重新提交',
  withdraw: '撤回',
}

/** {items, next_cursor}. filters: kind, submitted_from, submitted_to, applicant_name. */
function queue({ kind, submittedFrom, submittedTo, applicantName, cursor, limit = 20 } = {}) {
  return http.get(PATHS.queue, {
    kind,
    submitted_from: submittedFrom,
    submitted_to: submittedTo,
    applicant_name: applicantName,
    cursor,
    limit,
  })
}

/** {counts: {kind: n}, total}. */
const counts = () => http.get(PATHS.counts)
const item = (id) => http.get(PATHS.item(id))
const stats = () => http.get(PATHS.stats)
const history = ({ cursor, limit = 20 } = {}) => http.get(PATHS.history, { cursor, limit })

// `version` is the one the reviewer saw: the server refuses (ALREADY_DECIDED) if someone decided meanwhile.
function approve(id, { comment = null, version = null } = {}) {
  return http.post(PATHS.approve(id), clean({ comment, version }))
}

function reject(id, { reason, comment = null, version = null }) {
  return http.post(PATHS.reject(id), clean({ reason, comment, version }))
}

function returnForCorrection(id, { reason, comment = null, version = null }) {
  return http.post(PATHS.return(id), clean({ reason, comment, version }))
}

/** {results: [{id, ok, code, message}], approved}: each item succeeds or fails on its own. */
function batchApprove(ids) {
  return http.post(PATHS.batch, { ids })
}

const mine = ({ cursor, limit = 20 } = {}) => http.get(PATHS.mine, { cursor, limit })
const myItem = (id) => http.get(PATHS.myItem(id))
const withdraw = (id) => http.post(PATHS.withdraw(id), {})
const resubmit = (id, { payload, attachments }) => http.post(PATHS.resubmit(id), clean({ payload, attachments }))

/**
 * Where a review item's attachment is fetched (with the reviewer's token): the registry gives
 * `{name, purpose, url: "/api/v1/registry/applications/…/attachments/i"}`, the assessment part `{proof_id}`
 * (GET /assessment/proofs/{id}, open to reviewers in scope). null when there is nothing to fetch.
 */
function attachmentPath(a) {
  if (!a || typeof a !== 'object') return null
  if (typeof a.url === 'string' && a.url.startsWith('/api/v1/')) return a.url.slice('/api/v1'.length)
  if (a.proof_id) return `/assessment/proofs/${encodeURIComponent(a.proof_id)}`
  return null
}

function attachmentName(a, index) {
  if (a && (a.name || a.filename)) return a.name || a.filename
  if (a && a.proof_id) return `证明材料 ${index + 1}`
  return `附件 ${index + 1}`
}

/** Download one attachment: a temp file path. */
function downloadAttachment(a) {
  const path = attachmentPath(a)
  if (!path) return Promise.reject(clientError('ATTACHMENT_UNAVAILABLE'))
  return http.download({ path })
}

/** The API path of a file link (`/api/v1/…` as the server writes it, or already without the prefix). */
function filePath(href) {
  if (typeof href !== 'string' || !href) return null
  if (href.startsWith('/api/v1/')) return href.slice('/api/v1'.length)
  return href.startsWith('/') ? href : null
}

/** Download one of the item's files ({role, label, href, media_type}) with the token: a temp file path. */
function downloadFile(file) {
  const path = filePath(file && file.href)
  if (!path) return Promise.reject(clientError('ATTACHMENT_UNAVAILABLE'))
  return http.download({ path })
}

/** An application's printable form: downloaded with the token and opened. */
async function openApplicationForm(applicationId) {
  return http.openDownload({ path: PATHS.formPdf(applicationId) })
}

/** Open a downloaded PDF in WeChat's viewer (resolves once it opened; rejects with DOCUMENT_OPEN_FAILED). */
const openPdf = (path) => http.openDocument(path, 'pdf')

const isImage = (file) => Boolean(file && /^image\//.test(file.media_type || ''))
const isPdf = (file) => Boolean(file && file.media_type === 'application/pdf')

function clean(obj) {
  const out = {}
  Object.keys(obj).forEach((k) => {
    if (obj[k] !== null && obj[k] !== undefined && obj[k] !== '') out[k] = obj[k]
  })
  return out
}

module.exports = {
  PATHS,
  KIND_TITLES,
  STATUS_TEXT,
  ACTION_TEXT,
  queue,
  counts,
  item,
  stats,
  history,
  approve,
  reject,
  returnForCorrection,
  batchApprove,
  mine,
  myItem,
  withdraw,
  resubmit,
  attachmentPath,
  attachmentName,
  downloadAttachment,
  filePath,
  downloadFile,
  openApplicationForm,
  openPdf,
  isImage,
  isPdf,
}
