/**
 * Registry and assessment values as a person reads them: every key has a Chinese label, every code its word,
 * booleans 是/否, nothing raw. Sections are fixed (the same order every time), so a value is never listed twice.
 */
const { CATEGORY_TEXT, LEVEL_TEXT, ACCOUNT_STATUS_TEXT, REGISTRATION_STATUS_TEXT } = require('../services/registration')
const { DOCUMENT_TYPES } = require('../services/lookups')

const ACTIVATED_VIA_TEXT = {
  code: '激活码激活',
  self: '资格证书编码自助激活',
  institution: '机构激活',
  import: '机构导入',
}
const FILING_STATUS_TEXT = { active: '备案有效', ended: '已取消备案', cancelled: '已取消备案', pending: '备案审核中' }
const ID_TYPE_TEXT = Object.fromEntries(DOCUMENT_TYPES.map((d) => [d.code, d.label]))

const yesNo = (v) => (v === true ? '是' : v === false ? '否' : '')
const list = (v) => (Array.isArray(v) ? v.filter(Boolean).join('、') : v || '')
const word = (map, v) => (v === null || v === undefined || v === '' ? '' : map[v] || '其他')

/** [{label, value}] without the empty ones (a blank line says nothing). */
function rows(pairs) {
  return pairs
    .filter(([, v]) => v !== '' && v !== null && v !== undefined)
    .map(([label, value]) => ({ label, value: String(value) }))
}

function qualificationRows(q) {
  return rows([
    ['医师资格证书编码', q.qualification_cert_no],
    ['证件', q.id_number ? `${ID_TYPE_TEXT[q.id_type] || '证件'} ${q.id_number}` : ''],
    ['医师类别', word(CATEGORY_TEXT, q.category)],
    ['级别', word(LEVEL_TEXT, q.level)],
    ['取得资格日期', q.obtained_on],
    ['学历', q.education],
    ['毕业学校', q.school],
    ['所学专业', q.major],
    ['规范化培训', q.residency_training === undefined ? '' : q.residency_training ? '已完成' : '未参加'],
  ])
}

/** places: {code: name} already looked up; a code never shows. */
function registrationRows(r, places = {}) {
  return rows([
    ['医师执业证书编码', r.practice_cert_no],
    ['注册状态', word(REGISTRATION_STATUS_TEXT, r.status)],
    ['医师类别', word(CATEGORY_TEXT, r.category)],
    ['级别', word(LEVEL_TEXT, r.level)],
    ['主执业机构', r.main_institution_name || r.institution_name],
    ['执业地点', r.practice_region_name || places[r.practice_region_code] || ''],
    ['执业范围', list(r.practice_scopes)],
    ['科室', r.department_name || r.department],
    ['职称', r.title],
    ['批准机关', r.approval_authority],
    ['批准日期', r.approved_on],
    ['证件照片', r.has_photo === undefined ? '' : r.has_photo ? '已上传' : '未上传'],
  ])
}

function filingRows(f, places = {}) {
  return rows([
    ['执业机构', f.institution_name],
    ['执业地点', f.region_name || places[f.region_code] || ''],
    ['状态', word(FILING_STATUS_TEXT, f.status)],
    ['备案日期', f.filed_on],
    ['取消日期', f.ended_on],
  ])
}

/** My registration data (GET /registry/me) in fixed sections: [{title, rows}]. */
function profileSections(data, places = {}) {
  const sections = [
    {
      title: '账号',
      rows: rows([
        ['姓名', data.name],
        ['手机号', data.phone],
        ['账号状态', word(ACCOUNT_STATUS_TEXT, data.account_status)],
        ['激活方式', word(ACTIVATED_VIA_TEXT, data.activated_via)],
      ]),
    },
  ]
  ;(data.qualifications || []).forEach((q, i, all) =>
    sections.push({ title: all.length > 1 ? `医师资格（${i + 1}）` : '医师资格', rows: qualificationRows(q) }),
  )
  // `registration` is the current one; `registrations` repeats it: list the others only (never twice).
  const current = data.registration
  const others = (data.registrations || []).filter((r) => !current || r.id !== current.id)
  if (current) sections.push({ title: '执业注册', rows: registrationRows(current, places) })
  others.forEach((r) =>
    sections.push({
      title: `其他执业注册（${word(REGISTRATION_STATUS_TEXT, r.status)}）`,
      rows: registrationRows(r, places),
    }),
  )
  if (!current && !others.length)
    sections.push({ title: '执业注册', rows: [{ label: '注册状态', value: '无有效执业注册' }] })
  ;(data.multi_site_filings || []).forEach((f, i, all) =>
    sections.push({
      title: all.length > 1 ? `多机构执业备案（${i + 1}）` : '多机构执业备案',
      rows: filingRows(f, places),
    }),
  )
  return sections
}

/** Every region code in my data, to look up their names once. */
function regionCodes(data) {
  const codes = []
  const regs = [data.registration].concat(data.registrations || []).filter(Boolean)
  regs.forEach((r) => !r.practice_region_name && r.practice_region_code && codes.push(r.practice_region_code))
  ;(data.multi_site_filings || data.multi_sites || []).forEach(
    (f) => f.region_code && !f.region_name && codes.push(f.region_code),
  )
  if (data.practice && data.practice.practice_region_code) codes.push(data.practice.practice_region_code)
  return Array.from(new Set(codes))
}

/** The enrolment (GET /assessment/enrolment) in words: personal, qualification, practice, multi-site sections. */
function enrolmentSections(e, places = {}) {
  const p = e.personal || {}
  const reg = e.registry || {}
  const sections = [
    {
      title: '个人信息',
      rows: rows([
        ['姓名', p.name],
        ['证件号码', p.id_number],
        ['考核所在省份', places[p.province_code] || ''],
      ]),
    },
  ]
  if (reg.qualification)
    sections.push({ title: '医师资格', rows: qualificationRows(reg.qualification).filter((r) => r.label !== '证件') })
  if (reg.practice) sections.push({ title: '执业注册', rows: registrationRows(reg.practice, places) })
  ;(reg.multi_sites || []).forEach((f, i, all) =>
    sections.push({
      title: all.length > 1 ? `多机构执业备案（${i + 1}）` : '多机构执业备案',
      rows: filingRows(f, places),
    }),
  )
  return sections
}

/** The institution's look-up (POST /registry/lookup) in sections: each qualification, each registration. */
function lookupSections(answer, places = {}) {
  const quals = (answer && answer.qualifications) || []
  const regs = (answer && answer.registrations) || []
  const n = (arr, i) => (arr.length > 1 ? ` ${i + 1}` : '')
  return [
    ...quals.map((q, i) => ({
      title: `资格信息${n(quals, i)}`,
      rows: rows([['姓名', q.name]]).concat(qualificationRows(q)),
    })),
    ...regs.map((r, i) => ({ title: `注册信息${n(regs, i)}`, rows: registrationRows(r, places) })),
  ]
}

module.exports = {
  lookupSections,
  profileSections,
  enrolmentSections,
  regionCodes,
  yesNo,
  ACTIVATED_VIA_TEXT,
  ID_TYPE_TEXT,
}
