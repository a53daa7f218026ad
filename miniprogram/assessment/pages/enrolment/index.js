/** Enrolment: confirm personal, practice and multi-site data (from e-registration), choose the specialty, submit. */
const assessment = require('../../../services/assessment')
const { run } = require('../../../utils/ui')
const { formMethods, go, askSubscription } = require('../../../utils/page')

const LABELS = {
  name: '姓名',
  id_number: '证件号码',
  province: '省份',
  province_code: '省份',
  qualification_cert_no: '资格证书编码',
  practice_cert_no: '执业证书编码',
  category: '类别',
  level: '级别',
  practice_scopes: '执业范围',
  institution_name: '执业机构',
  main_institution: '主执业机构',
  multi_site: '多点执业',
}

function rows(obj) {
  return Object.keys(obj || {})
    .filter((k) => obj[k] !== null && typeof obj[k] !== 'object')
    .map((k) => ({ key: k, label: LABELS[k] || k, value: String(obj[k]) }))
    .concat(
      Object.keys(obj || {})
        .filter((k) => Array.isArray(obj[k]))
        .map((k) => ({
          key: k,
          label: LABELS[k] || k,
          value: obj[k].map((x) => (typeof x === 'object' ? x.name || JSON.stringify(x) : x)).join('、'),
        })),
    )
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
          registry: rows(e.registry),
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
