/** Enrolment: confirm personal, practice and multi-site data (from e-registration), choose the specialty, submit. */
const assessment = require('../../../services/assessment')
const lookups = require('../../../services/lookups')
const { enrolmentSections } = require('../../../utils/words')
const { run } = require('../../../utils/ui')
const { formMethods, go, askSubscription } = require('../../../utils/page')

async function placeNames(codes) {
  const names = await Promise.all(codes.map((c) => lookups.regionName(c).catch(() => '')))
  return Object.fromEntries(codes.map((c, i) => [c, names[i]]))
}

Component({
  data: {
    enrolment: null,
    sections: [],
    errors: {},
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
        this.setData({ enrolment: e, sections: enrolmentSections(e), specialty: e.specialty || '' })
        const reg = e.registry || {}
        const codes = [e.personal && e.personal.province_code, reg.practice && reg.practice.practice_region_code]
          .concat((reg.multi_sites || []).map((m) => m.region_code))
          .filter(Boolean)
        if (codes.length) this.setData({ sections: enrolmentSections(e, await placeNames(codes)) })
      }
    },
    onConfirm(e) {
      this.setData({ confirmed: (e.detail.value || []).length > 0, 'errors.confirmed': '' })
    },
    onSpecialty(e) {
      this.setData({ specialty: e.detail.value, 'errors.specialty': '' })
    },
    goInfoChange() {
      go('/registration/pages/info-change/index')
    },
    async onSubmit() {
      // Each error beside its field, next to the submit button, not at the top of the page.
      const errors = {}
      if (!this.data.specialty.trim()) errors.specialty = '请填写报考专业'
      if (!this.data.confirmed) errors.confirmed = '请先确认以上信息无误；信息有误请先提交信息修改申请'
      if (Object.keys(errors).length) return this.setData({ errors })
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
