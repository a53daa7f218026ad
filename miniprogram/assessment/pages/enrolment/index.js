/** Enrolment: confirm personal, practice and multi-site data, then submit (reviewed by institution and office). */
const assessment = require('../../../services/assessment')
const { run } = require('../../../utils/ui')

Component({
  data: { enrolment: null, rows: [], confirmed: false, loading: false, submitting: false, error: '' },
  methods: {
    async onLoad() {
      const r = await run(this, () => assessment.enrolment(), { quiet: true })
      if (r.ok) {
        const e = r.result
        const info = e.info || {}
        this.setData({
          enrolment: e,
          rows: Object.keys(info).map((k) => ({ key: k, label: k, value: String(info[k]) })),
        })
      }
    },
    onConfirm(e) {
      this.setData({ confirmed: (e.detail.value || []).length > 0 })
    },
    async onSubmit() {
      if (!this.data.confirmed) return this.setData({ error: '请先确认以上信息无误' })
      const r = await run(this, () => assessment.submitEnrolment({ confirmed: true }), {
        key: 'submitting',
        success: '已提交，等待审核',
      })
      if (r.ok) this.setData({ enrolment: r.result })
      return undefined
    },
  },
})
