/** Enrolment: confirm personal, practice and multi-site data (from e-registration), choose the specialty, submit. */
const assessment = require('../../../services/assessment')
const { valueText } = require('../../../services/registration')
const { run } = require('../../../utils/ui')
const { formMethods, go, askSubscription } = require('../../../utils/page')

const LABELS = {
  name: '姓名',
  id_number: '证件号码',
  province_code: '省份',
  qualification_cert_no: '资格证书编码',
  obtained_on: '取得资格日期',
  practice_cert_no: '执业证书编码',
  category: '类别',
  level: '级别',
  practice_scopes: '执业范围',
  institution_name: '主执业机构',
  department: '科室',
  practice_region_code: '执业地点',
  title: '任职资格',
  multi_sites: '多机构备案',
}
const HIDDEN = new Set(['institution_id', 'region_code'])

function rows(obj) {
  return Object.keys(obj || {})
    .filter(
      (k) =>
        !HIDDEN.has(k) && obj[k] !== null && obj[k] !== '' && !(typeof obj[k] === 'object' && !Array.isArray(obj[k])),
    )
    .map((k) => ({
      key: k,
      label: LABELS[k] || k,
      value: Array.isArray(obj[k])
        ? obj[k].map((x) => (x && typeof x === 'object' ? x.institution_name || x.name || '' : x)).join('、') || '无'
        : String(valueText(k, obj[k])),
    }))
}

// GET /assessment/enrolment `registry` (server/assessment/registry_adapter.py):
// {qualification: {…}, practice: {…} | null, multi_sites: [{institution_name, …}]}, shown as one list.
function registryRows(registry) {
  if (!registry) return []
  const q = rows(registry.qualification).filter((r) => r.key !== 'name' && r.key !== 'category' && r.key !== 'level')
  return q.concat(rows(registry.practice), rows({ multi_sites: registry.multi_sites || [] }))
}

Component({
  data: {
    enrolment: null,
    personal: [],
    registry: [],
    specialty: '',
    confirmed: false,
    loading: false,
    submitting: false,
    error: '',
  },
  methods: {
    ...formMethods,
    async onLoad() {
      const r = await run(this, () => assessment.enrolment(), { quiet: true })
      if (r.ok) {
        const e = r.result
        this.setData({
          enrolment: e,
          personal: rows(e.personal),
          registry: registryRows(e.registry),
          specialty: e.specialty || '',
        })
      }
    },
    onConfirm(e) {
      this.setData({ confirmed: (e.detail.value || []).length > 0 })
    },
    goInfoChange() {
      go('/registration/pages/info-change/index')
    },
    async onSubmit() {
      if (!this.data.confirmed) return this.setData({ error: '请先确认以上信息无误；信息有误请先提交信息修改申请' })
      if (!this.data.specialty.trim()) return this.setData({ error: '请填写报考专业' })
      await askSubscription(['review_result'])
      const r = await run(
        this,
        () => assessment.submitEnrolment({ dataCorrect: true, specialty: this.data.specialty.trim() }),
        {
          key: 'submitting',
          success: '已提交，等待审核',
        },
      )
      if (r.ok) wx.navigateBack()
      return undefined
    },
  },
})
