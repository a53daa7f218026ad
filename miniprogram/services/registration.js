/**
 * E-registration: real-name check, activation, my registration data, info changes, ID photo, business
 * applications. The registry part lands later: every path is here, in one table, to align with it.
 */
const http = require('../utils/request')

const PATHS = {
  realNameCheck: '/identity/real-name-check',
  activateByCode: '/registry/activation/code',
  activateSelf: '/registry/activation/self',
  me: '/registry/me',
  infoChanges: '/registry/info-changes',
  photo: '/registry/photo',
  applications: '/registry/applications',
  application: (id) => `/registry/applications/${id}`,
  submit: (id) => `/registry/applications/${id}/submit`,
  attachments: (id) => `/registry/applications/${id}/attachments`,
  formPdf: (id) => `/registry/applications/${id}/form.pdf`,
  recoveryCode: '/registry/recovery/code',
  recovery: '/registry/recovery',
}

// The ID-photo rules, shown BEFORE the picker opens (the server checks the same ones: proctoring/image.py).
const PHOTO_RULES = [
  '尺寸 354×472 像素（宽×高）',
  '格式 JPG、JPEG 或 PNG',
  '文件不超过 80 KB',
  '白色或浅色纯色背景，本人近期免冠正面照',
]

// The nine business applications (server/registry/review_kinds.py APPLICATION_KINDS).
const APPLICATION_KINDS = [
  { kind: 'register', title: '注册' },
  { kind: 'assistant_upgrade', title: '助理医师升执业医师' },
  { kind: 'military_transfer_in', title: '军队变更入' },
  { kind: 'military_transfer_out', title: '变更到军队' },
  { kind: 'change', title: '变更注册' },
  { kind: 'cancel', title: '注销注册' },
  { kind: 'multi_site_file', title: '多执业机构备案' },
  { kind: 'multi_site_unfile', title: '多执业机构取消备案' },
  { kind: 'multi_site_withdraw', title: '申请取消“多地点执业”' },
]

// Fields each application form asks for, and which of them the registry requires (server/registry/
// applications.py KIND_FIELDS and REQUIRED; the server drops anything else and names what is missing).
const APPLICATION_FIELDS = {
  register: [
    'institution_id',
    'practice_region_code',
    'practice_scopes',
    'title',
    'residency_training',
    'training_months',
  ],
  assistant_upgrade: ['practice_region_code', 'practice_scopes', 'title'],
  military_transfer_in: ['institution_id', 'practice_region_code', 'practice_scopes', 'title', 'military_unit'],
  military_transfer_out: ['military_unit', 'reason'],
  change: ['institution_id', 'practice_region_code', 'practice_scopes'],
  cancel: ['reason'],
  multi_site_file: ['institution_id'],
  multi_site_unfile: ['filing_id'],
  multi_site_withdraw: ['reason'],
}
const APPLICATION_REQUIRED = {
  register: ['institution_id', 'practice_region_code', 'practice_scopes'],
  assistant_upgrade: ['practice_region_code', 'practice_scopes'],
  military_transfer_in: ['institution_id', 'practice_region_code', 'practice_scopes', 'military_unit'],
  military_transfer_out: ['military_unit'],
  change: [],
  cancel: ['reason'],
  multi_site_file: ['institution_id'],
  multi_site_unfile: ['filing_id'],
  multi_site_withdraw: [],
}

const FIELD_LABELS = {
  institution_id: '执业机构',
  practice_region_code: '执业地点',
  practice_scopes: '执业范围',
  title: '任职资格',
  residency_training: '是否规培医师',
  training_months: '培训月数',
  military_unit: '军队单位',
  reason: '申请原因',
  filing_id: '要取消的备案',
}

function applicationBody(kind, form) {
  const body = { kind }
  Object.keys(form).forEach((k) => {
    const v = typeof form[k] === 'string' ? form[k].trim() : form[k]
    if (v === '' || v === undefined || v === null || (Array.isArray(v) && !v.length)) return
    if (k === 'institution_id' || k === 'filing_id' || k === 'training_months') body[k] = Number(v)
    else if (k === 'residency_training') body[k] = v === true || /^(是|true|1|y(es)?)$/i.test(String(v))
    else if (k === 'practice_scopes')
      body[k] = Array.isArray(v)
        ? v
        : String(v)
            .split(/[、,，\s]+/)
            .filter(Boolean)
    else body[k] = v
  })
  return body
}

// What each field is, for the form to offer the right picker (the server's /lookups/application-kinds says the
// same with `type`; these stand in until a server has it).
const FIELD_TYPES = {
  institution_id: 'institution',
  practice_region_code: 'region',
  practice_scopes: 'practice_scopes',
  filing_id: 'filing',
  residency_training: 'choice',
  training_months: 'number',
}
const FIELD_CHOICES = {
  residency_training: [
    { value: 'yes', label: '是' },
    { value: 'no', label: '否' },
  ],
}
const FIELD_HELP = {
  residency_training: '首次注册超过规定期限的，须上传培训考核合格证明',
  practice_scopes: '最多选择三个',
}

// Attachments (server/registry/applications.py: pdf/jpg/png, ATTACHMENT_MAX_BYTES 5 MB, MAX_ATTACHMENTS 5), shown
// BEFORE choosing a file and checked here first.
const ATTACHMENT_RULES = { maxBytes: 5 * 1024 * 1024, maxFiles: 5, extensions: ['pdf', 'jpg', 'jpeg', 'png'] }
const ATTACHMENT_RULE_TEXT = ['格式 PDF、JPG 或 PNG', '每个文件不超过 5 MB', '每项申请最多 5 个附件']
const ATTACHMENT_PURPOSES = { training_proof: '培训考核合格证明', other: '其他材料' }
const KIND_PURPOSES = { register: ['training_proof', 'other'] }

/** Choices of a server field ({key: label} or [{value, label}]) as [{value, label}]. */
function choicesOf(choices) {
  if (!choices) return []
  if (Array.isArray(choices)) return choices.map((c) => ({ value: c.value || c.key, label: c.label }))
  return Object.keys(choices).map((k) => ({ value: k, label: choices[k] }))
}

/**
 * The form of one kind: [{name, label, type, required, help, choices}] and the attachment purposes
 * [{purpose, label}], from the server's kind declaration when there is one, else from the registry's tables.
 */
function formOf(kind, declared) {
  if (declared) {
    return {
      title: declared.title,
      fields: declared.fields.map((f) => ({
        name: f.name,
        label: f.label,
        type: f.type || 'text',
        required: Boolean(f.required),
        help: f.help || FIELD_HELP[f.name] || '',
        choices: choicesOf(f.choices).length ? choicesOf(f.choices) : FIELD_CHOICES[f.name] || [],
      })),
      purposes: (declared.attachment_purposes || []).map((p) =>
        typeof p === 'string' ? { purpose: p, label: ATTACHMENT_PURPOSES[p] || '其他材料' } : p,
      ),
    }
  }
  const meta = APPLICATION_KINDS.find((k) => k.kind === kind) || { title: '业务申请' }
  const required = APPLICATION_REQUIRED[kind] || []
  return {
    title: meta.title,
    fields: (APPLICATION_FIELDS[kind] || []).map((name) => ({
      name,
      label: FIELD_LABELS[name] || '其他信息',
      type: FIELD_TYPES[name] || 'text',
      required: required.includes(name),
      help: FIELD_HELP[name] || '',
      choices: FIELD_CHOICES[name] || [],
    })),
    purposes: (KIND_PURPOSES[kind] || ['other']).map((p) => ({ purpose: p, label: ATTACHMENT_PURPOSES[p] })),
  }
}

/** '' when a chosen file may be attached, else why not (size and type, before any upload). */
function attachmentProblem(file, count) {
  if (count >= ATTACHMENT_RULES.maxFiles) return `每项申请最多 ${ATTACHMENT_RULES.maxFiles} 个附件`
  const ext = String(file.name || file.path || '')
    .split('.')
    .pop()
    .toLowerCase()
  if (!ATTACHMENT_RULES.extensions.includes(ext)) return '只能上传 PDF、JPG 或 PNG 文件'
  if (file.size > ATTACHMENT_RULES.maxBytes) return `文件超过 5 MB（${(file.size / 1048576).toFixed(1)} MB）`
  return ''
}

/** → {qualification_found, registration_found, registration_status, next_step, institution_name, message}. */
const ACCOUNT_STATUS_TEXT = {
  unverified: '未实名认证',
  verified: '已实名，待激活',
  active: '已激活',
  revoked: '已停用',
}
const REGISTRATION_STATUS_TEXT = { active: '有效', transferred_out: '变更出', filed: '备案', cancelled: '注销' }

/** What home and the menu show of MyDataOut {account_status, registration, …}. */
// The registry's enum values (server/common/models.py Category, Level) as a person reads them.
const CATEGORY_TEXT = { clinical: '临床', dental: '口腔', public_health: '公共卫生', tcm: '中医' }
const LEVEL_TEXT = { practitioner: '执业医师', assistant: '执业助理医师' }

/** A registry value in words: category and level codes translated, everything else as it is. */
function valueText(key, value) {
  if (key === 'category') return CATEGORY_TEXT[value] || value
  if (key === 'level') return LEVEL_TEXT[value] || value
  if (key === 'account_status') return ACCOUNT_STATUS_TEXT[value] || value
  return value
}

function summary(data) {
  const reg = data && data.registration
  return {
    accountText: ACCOUNT_STATUS_TEXT[data && data.account_status] || (data && data.account_status) || '',
    activated: Boolean(data && data.account_status === 'active'),
    statusText: reg ? REGISTRATION_STATUS_TEXT[reg.status] || reg.status : '无有效执业注册',
    institution: reg ? reg.main_institution_name || '' : '',
  }
}

/** → {qualification_found, registration_found, registration_status, next_step, institution_name, message}. */
const realNameCheck = ({ name, idType = 'resident_id', idNumber }) =>
  http.post(PATHS.realNameCheck, { name, id_type: idType, id_number: idNumber })
const activateByCode = ({ code }) => http.post(PATHS.activateByCode, { code })
const activateSelf = ({ qualificationCertNo }) =>
  http.post(PATHS.activateSelf, { qualification_cert_no: qualificationCertNo })
const myData = () => http.get(PATHS.me)
/** changes: any of {education, school, major, title}; the institution reviews them. */
const requestInfoChange = (changes) => http.post(PATHS.infoChanges, changes)
const infoChanges = () => http.get(PATHS.infoChanges)
const uploadPhoto = ({ filePath }) => http.upload({ path: PATHS.photo, filePath, name: 'photo' })
/** {items: [{id, kind, kind_title, status, status_label, data, review_item_id, submitted_at, …}]}. */
const applications = () => http.get(PATHS.applications)
const application = (id) => http.get(PATHS.application(id))
/** Create the application (a draft) and submit it for review: two calls, as the registry has them. */
async function submitApplication({ kind, form }) {
  const draft = await http.post(PATHS.applications, applicationBody(kind, form))
  return http.post(PATHS.submit(draft.id), {})
}
const createApplication = ({ kind, form }) => http.post(PATHS.applications, applicationBody(kind, form))
const submitDraft = (id) => http.post(PATHS.submit(id), {})
/** One attachment (form field `file`, `purpose`), with onProgress(percent) → the application. */
async function uploadAttachment({ id, filePath, purpose, onProgress }) {
  return http.upload({ path: PATHS.attachments(id), filePath, name: 'file', formData: { purpose }, onProgress })
}
/** The printable application form: downloaded with the token and opened (wx.openDocument). */
async function openForm(id) {
  return http.openDownload({ path: PATHS.formPdf(id) })
}

/**
 * Account recovery by personal information (no log-in): name, document, qualification certificate number and
 * a new phone; the server checks them against the register and texts a code to the new phone, then moves the
 * account to it → {ok, phone (masked), username}.
 */
function recoveryBody({ name, idType, idNumber, qualificationCertNo, newPhone }) {
  return { name, id_type: idType, id_number: idNumber, qualification_cert_no: qualificationCertNo, new_phone: newPhone }
}
const sendRecoveryCode = (who) => http.post(PATHS.recoveryCode, recoveryBody(who), { auth: false })
const recover = (who, smsCode) =>
  http.post(PATHS.recovery, { ...recoveryBody(who), sms_code: smsCode }, { auth: false })

module.exports = {
  PATHS,
  sendRecoveryCode,
  recover,
  PHOTO_RULES,
  APPLICATION_KINDS,
  APPLICATION_FIELDS,
  APPLICATION_REQUIRED,
  FIELD_LABELS,
  applicationBody,
  summary,
  ACCOUNT_STATUS_TEXT,
  REGISTRATION_STATUS_TEXT,
  CATEGORY_TEXT,
  LEVEL_TEXT,
  valueText,
  realNameCheck,
  activateByCode,
  activateSelf,
  myData,
  requestInfoChange,
  infoChanges,
  uploadPhoto,
  applications,
  application,
  submitApplication,
  createApplication,
  submitDraft,
  uploadAttachment,
  openForm,
  formOf,
  attachmentProblem,
  ATTACHMENT_RULES,
  ATTACHMENT_RULE_TEXT,
  ATTACHMENT_PURPOSES,
}
