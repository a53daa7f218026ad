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
}

// The ID-photo rules, shown BEFORE the picker opens (the server checks the same ones: proctoring/image.py).
const PHOTO_RULES = [
  '尺寸 354×472 像素（宽×高）',
  '格式 JPG、JPEG 或 PNG',
  '文件不超过 80 KB',
  '白色或浅色纯色背景，本人近期免冠正面照',
]

// The nine business applications (GLOSSARY).
const APPLICATION_KINDS = [
  { kind: 'register', title: '注册' },
  { kind: 'assistant_upgrade', title: '助理升执业' },
  { kind: 'military_transfer_in', title: '军队变更入' },
  { kind: 'military_transfer_out', title: '变更到军队' },
  { kind: 'change', title: '变更' },
  { kind: 'cancel', title: '注销' },
  { kind: 'multi_site_file', title: '多执业机构备案' },
  { kind: 'multi_site_unfile', title: '多执业机构取消备案' },
  { kind: 'multi_site_withdraw', title: '取消多地点执业' },
]

// Fields each application form asks for (a first cut; the server's schema decides).
const APPLICATION_FIELDS = {
  register: ['institution_code', 'practice_scope', 'practice_region'],
  assistant_upgrade: ['qualification_cert_no', 'practice_scope'],
  military_transfer_in: ['institution_code', 'practice_scope'],
  military_transfer_out: ['reason'],
  change: ['institution_code', 'practice_scope', 'practice_region'],
  cancel: ['reason'],
  multi_site_file: ['institution_code', 'practice_scope'],
  multi_site_unfile: ['institution_code', 'reason'],
  multi_site_withdraw: ['reason'],
}

const FIELD_LABELS = {
  institution_code: '机构代码',
  practice_scope: '执业范围',
  practice_region: '执业地点',
  qualification_cert_no: '医师资格证书编码',
  reason: '原因',
}

const realNameCheck = ({ name, idNumber }) => http.post(PATHS.realNameCheck, { name, id_number: idNumber })
const activateByCode = ({ code }) => http.post(PATHS.activateByCode, { code })
const activateSelf = ({ qualificationCertNo }) =>
  http.post(PATHS.activateSelf, { qualification_cert_no: qualificationCertNo })
const myData = () => http.get(PATHS.me)
const requestInfoChange = (changes) => http.post(PATHS.infoChanges, changes)
const infoChanges = () => http.get(PATHS.infoChanges)
const uploadPhoto = ({ filePath }) => http.upload({ path: PATHS.photo, filePath, name: 'photo' })
const applications = () => http.get(PATHS.applications)
const application = (id) => http.get(PATHS.application(id))
const submitApplication = ({ kind, form }) => http.post(PATHS.applications, { kind, form })

module.exports = {
  PATHS,
  PHOTO_RULES,
  APPLICATION_KINDS,
  APPLICATION_FIELDS,
  FIELD_LABELS,
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
}
