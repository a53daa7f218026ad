/**
 * Document numbers checked before a request, so a typo is caught on the phone (the server checks again):
 * the resident ID's GB 11643 checksum, the shape of the other four document types, the qualification
 * certificate number.
 */
const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
const CHECK = '10X98765432'

function idNumberValid(id) {
  if (!/^\d{17}[\dXx]$/.test(id || '')) return false
  const sum = WEIGHTS.reduce((acc, w, i) => acc + w * Number(id[i]), 0)
  return CHECK[sum % 11] === id[17].toUpperCase()
}

const SHAPES = {
  resident_id: idNumberValid,
  passport: (v) => /^[A-Z0-9]{5,17}$/.test(v),
  hk_macao_permit: (v) => /^[HM]\d{8,10}$/.test(v),
  taiwan_permit: (v) => /^\d{8}(\d{2})?$/.test(v),
  military_id: (v) => /^[\u4e00-\u9fa5A-Z0-9]{4,20}$/.test(v),
}

/** The number as the server stores it (upper case, no spaces). */
function normalise(value) {
  return String(value || '')
    .replace(/\s+/g, '')
    .toUpperCase()
}

/** '' when the number fits its document type, else the Chinese reason. */
function documentProblem(type, value, label = '证件号码') {
  const v = normalise(value)
  if (!v) return `请输入${label}`
  const ok = (SHAPES[type] || SHAPES.passport)(v)
  if (ok) return ''
  return type === 'resident_id' ? '身份证号码格式或校验位不正确' : `${label}格式不正确`
}

/** The qualification certificate number: digits (15 or more, as the register issues them). */
function certNoValid(value) {
  return /^\d{15,27}$/.test(normalise(value))
}

module.exports = { idNumberValid, documentProblem, certNoValid, normalise }
