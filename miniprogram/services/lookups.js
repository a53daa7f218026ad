/**
 * Reference data for pickers (all public, cached by the server): regions (GB/T 2260) level by level,
 * institutions by region and name, document types, practice scopes, application kinds with their form fields,
 * cycles. A person picks names; the codes and ids only travel to the server.
 *
 * Document types, practice scopes, application kinds and cycles come with the look-ups being added to the server
 * (/lookups/document-types …): until a server has them (404), the registry's own values below stand in.
 */
const http = require('../utils/request')

const PATHS = {
  regions: '/lookups/regions',
  region: (code) => `/lookups/regions/${code}`,
  institutions: '/lookups/institutions',
  institution: (id) => `/lookups/institutions/${id}`,
  documentTypes: '/lookups/document-types',
  practiceScopes: '/lookups/practice-scopes',
  applicationKinds: '/lookups/application-kinds',
  cycles: '/lookups/cycles',
}

// The registry's IdType (server/registry/models.py) as a person reads it: the fallback of /lookups/document-types.
const DOCUMENT_TYPES = [
  { code: 'resident_id', label: '居民身份证', hint: '18 位，最后一位可为 X' },
  { code: 'passport', label: '护照', hint: '护照上的证件号码' },
  { code: 'hk_macao_permit', label: '港澳居民来往内地通行证', hint: 'H 或 M 开头' },
  { code: 'taiwan_permit', label: '台湾居民来往大陆通行证', hint: '8 位数字' },
  { code: 'military_id', label: '军官证', hint: '证件上的号码' },
]

const cache = {}

async function orFallback(key, fn, fallback) {
  if (cache[key]) return cache[key]
  try {
    cache[key] = await fn()
  } catch (err) {
    if (err.status !== 404) throw err
    cache[key] = fallback
  }
  return cache[key]
}

/** Provinces (no parent), or the regions directly under parentCode: [{code, name, has_children, …}]. */
async function regions(parentCode = null) {
  const res = await http.get(PATHS.regions, parentCode ? { parent_code: parentCode } : null, { auth: false })
  return res.items
}

/** "北京市 东城区" for a 6-digit code; the code itself is never shown (empty when unknown). */
async function regionName(code) {
  if (!code) return ''
  const key = `region:${code}`
  if (cache[key] !== undefined) return cache[key]
  try {
    const res = await http.get(PATHS.region(code), null, { auth: false })
    // The detail answers {region, path, full_name}; an older server answered the region itself.
    cache[key] = res.full_name || (res.path ? res.path.map((r) => r.name).join(' ') : res.name) || ''
  } catch (err) {
    if (err.offline) throw err
    cache[key] = ''
  }
  return cache[key]
}

/** One page of institutions: {items: [{id, name, region_name, …}], next_cursor}. */
function institutions({ regionCode = null, q = null, cursor = null, limit = 20 } = {}) {
  const query = { limit }
  if (regionCode) query.region_code = regionCode
  if (q) query.q = q
  if (cursor) query.cursor = cursor
  return http.get(PATHS.institutions, query, { auth: false })
}

function institution(id) {
  return http.get(PATHS.institution(id), null, { auth: false })
}

/** [{code, label, hint}]: what the real-name check, the binding and recovery accept. */
function documentTypes() {
  return orFallback(
    'documentTypes',
    async () => (await http.get(PATHS.documentTypes, null, { auth: false })).items,
    DOCUMENT_TYPES,
  )
}

/** [{name, category, category_label}]; null when the server has no catalogue yet (the form then takes text). */
function practiceScopes(category = null) {
  return orFallback(
    `scopes:${category || ''}`,
    async () => (await http.get(PATHS.practiceScopes, category ? { category } : null, { auth: false })).items,
    null,
  )
}

/** [{kind, title, fields: [{name, label, type, required, help, choices}], attachment_purposes, …}] or null. */
function applicationKinds() {
  return orFallback(
    'applicationKinds',
    async () => (await http.get(PATHS.applicationKinds, null, { auth: false })).items,
    null,
  )
}

function cycles(provinceCode = null) {
  return orFallback(
    `cycles:${provinceCode || ''}`,
    async () =>
      (await http.get(PATHS.cycles, provinceCode ? { province_code: provinceCode } : null, { auth: false })).items,
    [],
  )
}

module.exports = {
  PATHS,
  DOCUMENT_TYPES,
  regions,
  regionName,
  institutions,
  institution,
  documentTypes,
  practiceScopes,
  applicationKinds,
  cycles,
}
