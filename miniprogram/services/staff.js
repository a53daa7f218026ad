/**
 * Staff accounts (/staff): administrators, commissions and offices manage the log-ins within their scope
 * (the server decides who may create which role where, and answers STAFF_SCOPE_FORBIDDEN otherwise).
 */
const http = require('../utils/request')

const PATHS = {
  list: '/staff',
  create: '/staff',
  item: (id) => `/staff/${id}`,
  disable: (id) => `/staff/${id}/disable`,
  enable: (id) => `/staff/${id}/enable`,
  reset: (id) => `/staff/${id}/password-reset`,
}

// The roles as a person reads them (server/accounts/staff_schemas.py StaffRole).
const ROLE_TEXT = {
  institution_reviewer: '医疗机构',
  office_reviewer: '考核机构',
  commission_reviewer: '卫生健康行政部门',
  admin: '平台管理员',
}
const ROLES = Object.keys(ROLE_TEXT)

// Which roles each signed-in role may create (server/accounts/staff.py MANAGES); the server has the last word.
const MANAGES = {
  admin: ROLES,
  commission_reviewer: ['commission_reviewer', 'institution_reviewer'],
  office_reviewer: ['office_reviewer'],
}

/** What scope a role's account needs: an institution, a region, or none (administrator). */
function scopeKind(role) {
  if (role === 'institution_reviewer') return 'institution'
  if (role === 'admin') return 'none'
  return 'region'
}

/** {items: [StaffOut], next_cursor}. filters: role, isActive (true/false), q, regionCode, institutionId. */
function list({ role, isActive, q, regionCode, institutionId, cursor, limit = 20 } = {}) {
  return http.get(PATHS.list, {
    role: role || undefined,
    is_active: isActive === true || isActive === false ? String(isActive) : undefined,
    q: q || undefined,
    region_code: regionCode || undefined,
    institution_id: institutionId || undefined,
    cursor: cursor || undefined,
    limit,
  })
}

/** {staff, one_time_password, expires_at}: the password is shown this once. */
function create({ username, role, realName, phone, institutionId, regionCode }) {
  const body = { username: username.trim(), role, real_name: realName.trim() }
  if (phone && phone.trim()) body.phone = phone.trim()
  if (scopeKind(role) === 'institution' && institutionId) body.institution_id = Number(institutionId)
  if (scopeKind(role) === 'region' && regionCode) body.region_code = regionCode
  return http.post(PATHS.create, body)
}

const item = (id) => http.get(PATHS.item(id))
const disable = (id, reason) => http.post(PATHS.disable(id), { reason })
const enable = (id, reason) => http.post(PATHS.enable(id), { reason })
/** {staff, one_time_password, expires_at}: the old password and every session end. */
const resetPassword = (id) => http.post(PATHS.reset(id), {})

/** The account's scope in words: its institution's or region's name (never a code or an id). */
function scopeText(s) {
  if (!s) return ''
  if (s.role === 'admin') return '全平台'
  return s.institution_name || s.region_name || '—'
}

module.exports = {
  PATHS,
  ROLE_TEXT,
  ROLES,
  MANAGES,
  scopeKind,
  list,
  create,
  item,
  disable,
  enable,
  resetPassword,
  scopeText,
}
