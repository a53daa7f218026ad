/**
 * The institution's own workbench (role institution_reviewer, scoped by the server to one institution):
 * its physicians and their accounts, multi-site filings, departments, approval authorities, the qualification
 * and registration look-up, filings and cancellations, 定考 credentials and accounts, and the files a reviewer
 * opens beside a review item (photo pair, application form PDF).
 */
const http = require('../utils/request')

const PATHS = {
  physicians: '/registry/institution/physicians',
  activationCodes: '/registry/institution/activation-codes',
  activate: (id) => `/registry/institution/physicians/${id}/activate`,
  revoke: (id) => `/registry/institution/physicians/${id}/revoke`,
  passwordReset: (userId) => `/staff/physicians/${userId}/password-reset`,
  multiSite: '/registry/institution/multi-site',
  departments: '/registry/institution/departments',
  department: (id) => `/registry/institution/departments/${id}`,
  authorities: '/registry/institution/approval-authorities',
  categories: '/lookups/practice-categories',
  filings: '/registry/institution/filings',
  lookup: '/registry/lookup',
  credentials: '/assessment/credentials',
  accounts: '/assessment/accounts',
  hide: (id) => `/assessment/accounts/${id}/hide`,
  unhide: (id) => `/assessment/accounts/${id}/unhide`,
}

// PhysicianRowOut.account_status as a person reads it.
const ACCOUNT_TEXT = { none: '未实名认证', verified: '已实名，待激活', active: '已激活', revoked: '已撤销' }

// InstitutionCaseIn.reason per kind (server/registry/application_kinds.py, the legacy manual's words).
const CASE_KINDS = [
  { code: 'filing', label: '注册备案' },
  { code: 'cancellation', label: '注销注册' },
]
const CASE_REASONS = {
  filing: [
    { code: 'transfer', label: '调离' },
    { code: 'retirement', label: '退休' },
    { code: 'resignation', label: '退职' },
    { code: 'dismissal', label: '被辞退或开除' },
  ],
  cancellation: [
    { code: 'death_or_missing', label: '死亡或失踪' },
    { code: 'licence_revoked', label: '吊销医师执业证书' },
    { code: 'two_failed_assessments', label: '两次考核不合格' },
    { code: 'two_years_without_practice', label: '终止医师执业活动满两年' },
  ],
}

/** {items: [PhysicianRowOut], next_cursor}. */
const physicians = ({ name, cursor, limit = 20 } = {}) => http.get(PATHS.physicians, { name, cursor, limit })

/** Every physician whose main site is here (all pages). */
async function allPhysicians({ name } = {}) {
  let cursor = null
  let items = []
  for (let i = 0; i < 50; i += 1) {
    const page = await physicians({ name, cursor, limit: 100 })
    items = items.concat(page.items)
    if (page.next_cursor === null || page.next_cursor === undefined) break
    cursor = page.next_cursor
  }
  return items
}

/** One physician by registration id (the list is the only way the server offers). */
async function physician(registrationId) {
  const id = Number(registrationId)
  return (await allPhysicians()).find((p) => p.registration_id === id) || null
}

/** {results: [{registration_id, ok, phone, expires_at, code, message}]}: each one succeeds or fails alone. */
const sendActivationCodes = (registrationIds) =>
  http.post(PATHS.activationCodes, { registration_ids: registrationIds.map(Number) })
const activate = (registrationId) => http.post(PATHS.activate(registrationId), {})
const revoke = (registrationId, reason) => http.post(PATHS.revoke(registrationId), { reason })
/** {user_id, sessions_ended, sms_sent}: the temporary password goes to the physician by SMS only. */
const resetPassword = (userId) => http.post(PATHS.passwordReset(userId), {})

/** direction: 'here' (filed at this institution) or 'elsewhere' (ours, filed at another). */
const multiSite = (direction) => http.get(PATHS.multiSite, { direction })

const departments = async () => (await http.get(PATHS.departments)).items
const addDepartment = (name, sortOrder) =>
  http.post(PATHS.departments, sortOrder === undefined ? { name } : { name, sort_order: sortOrder })
const renameDepartment = (id, name) => http.request({ method: 'PATCH', path: PATHS.department(id), data: { name } })
const deleteDepartment = (id) => http.del(PATHS.department(id))

/** {clinical, dental, public_health, tcm}: the authority's name per category ('' when not set). */
const authorities = () => http.get(PATHS.authorities)
const setAuthorities = (values) => http.put(PATHS.authorities, values)
/** [{code, label, scopes}]: the physician categories (an authority is set per category). */
const categories = async () => (await http.get(PATHS.categories, null, { auth: false })).items

/** The health commission of a region picked by name ("北京市 东城区" → 北京市东城区卫生健康委员会). */
const commissionOf = (regionName) => `${String(regionName || '').replace(/\s+/g, '')}卫生健康委员会`

/** {items: [ApplicationOut]}: the filings and cancellations this institution asked for. */
const filings = async () => (await http.get(PATHS.filings)).items
const file = ({ kind, registrationId, reason, note }) =>
  http.post(PATHS.filings, {
    kind,
    registration_id: Number(registrationId),
    reason,
    ...(note ? { note } : {}),
  })

/** A case this institution files waits only at the commission: say so, never 待机构确认. */
function filingStatusText(app) {
  if (app.status === 'submitted' || app.status === 'institution_confirmed') return '待卫生健康行政部门审批'
  return app.status_label
}

/** {qualifications, registrations}, masked by the server. */
const lookup = ({ name, idNumber }) => http.post(PATHS.lookup, { name, id_number: idNumber })

/** {account_id, name, id_number (masked), credential (shown once), expires_at, reset}. */
const issueCredential = ({ name, idNumber, documentType }) =>
  http.post(PATHS.credentials, { name, id_number: idNumber, ...(documentType ? { document_type: documentType } : {}) })
const accounts = async ({ idNumber, documentType }) =>
  (await http.get(PATHS.accounts, { id_number: idNumber, document_type: documentType })).items
const hideAccount = (id, reason) => http.post(PATHS.hide(id), { reason })
const unhideAccount = (id) => http.post(PATHS.unhide(id), {})

module.exports = {
  PATHS,
  ACCOUNT_TEXT,
  CASE_KINDS,
  CASE_REASONS,
  physicians,
  allPhysicians,
  physician,
  sendActivationCodes,
  activate,
  revoke,
  resetPassword,
  multiSite,
  departments,
  addDepartment,
  renameDepartment,
  deleteDepartment,
  authorities,
  setAuthorities,
  categories,
  commissionOf,
  filings,
  file,
  filingStatusText,
  lookup,
  issueCredential,
  accounts,
  hideAccount,
  unhideAccount,
}
