/** My registration data: qualification, practice registrations, multi-site filings (as the server returns them). */
const registration = require('../../../services/registration')
const { run } = require('../../../utils/ui')

const LABELS = {
  name: '姓名',
  id_number: '身份证号',
  qualification_cert_no: '医师资格证书编码',
  practice_cert_no: '医师执业证书编码',
  category: '医师类别',
  level: '级别',
  practice_scopes: '执业范围',
  main_institution: '主执业机构',
  title: '职称',
  education: '学历',
  status: '注册状态',
  account_status: '账号状态',
  main_institution_name: '主执业机构',
  practice_region_name: '执业地点',
  department_name: '科室',
  phone: '手机号',
}
// Ids are for the app, not for people.
const HIDDEN = /(^|_)id$/

function flatten(obj, prefix = '') {
  const out = []
  Object.keys(obj || {}).forEach((k) => {
    const v = obj[k]
    if (HIDDEN.test(k)) return
    if (Array.isArray(v) && v.some((x) => x && typeof x === 'object')) {
      v.forEach((x, i) => out.push(...flatten(x, `${prefix}${k}.${i}.`)))
    } else if (v && typeof v === 'object' && !Array.isArray(v)) out.push(...flatten(v, `${prefix}${k}.`))
    else
      out.push({
        key: prefix + k,
        label: LABELS[k] || k,
        value: Array.isArray(v) ? v.join('、') : v === null ? '—' : String(registration.valueText(k, v)),
      })
  })
  return out
}

Component({
  data: { rows: [], loading: false, error: '' },
  methods: {
    async onShow() {
      const r = await run(this, () => registration.myData(), { quiet: true })
      if (r.ok) this.setData({ rows: flatten(r.result) })
    },
  },
})
