/**
 * Self-evaluation (practice record, work performance, professional ethics) and the work report. A draft is
 * saved a moment after typing stops (and when leaving), so nothing is lost; submit sends it for review.
 */
const assessment = require('../../../services/assessment')
const { run } = require('../../../utils/ui')
const { askSubscription } = require('../../../utils/page')

const DRAFT_DELAY_MS = 1500

Component({
  data: {
    parts: assessment.SELF_EVALUATION_PARTS,
    values: {},
    draftState: '',
    loading: false,
    submitting: false,
    error: '',
  },
  methods: {
    async onLoad() {
      this.draftTimer = null
      const r = await run(this, () => assessment.selfEvaluation(), { quiet: true })
      if (r.ok && r.result) {
        const values = {}
        this.data.parts.forEach((p) => (values[p.key] = r.result[p.key] || ''))
        const required = r.result.work_report_required !== false
        this.setData({
          values,
          draftState: '',
          parts: required
            ? this.data.parts
            : this.data.parts.map((p) => (p.key === 'work_report' ? { ...p, optional: true } : p)),
        })
      }
    },
    onUnload() {
      if (this.draftTimer) {
        clearTimeout(this.draftTimer)
        this.saveDraft()
      }
    },
    onField(e) {
      this.setData({ [`values.${e.currentTarget.dataset.key}`]: e.detail.value, draftState: '未保存' })
      if (this.draftTimer) clearTimeout(this.draftTimer)
      this.draftTimer = setTimeout(() => this.saveDraft(), DRAFT_DELAY_MS)
    },
    async saveDraft() {
      this.draftTimer = null
      this.setData({ draftState: '保存中…' })
      const r = await run(this, () => assessment.saveSelfEvaluationDraft(this.data.values), {
        key: 'saving',
        quiet: true,
      })
      this.setData({ draftState: r.ok ? '草稿已保存' : `草稿未保存：${r.message}` })
    },
    async onSubmit() {
      const empty = this.data.parts.filter((p) => !p.optional && !(this.data.values[p.key] || '').trim())
      if (empty.length) return this.setData({ error: `请填写${empty.map((p) => p.title).join('、')}` })
      if (this.draftTimer) clearTimeout(this.draftTimer)
      this.draftTimer = null
      // What is submitted is what the server holds: save the latest text first, then submit it.
      await askSubscription(['review_result'])
      const r = await run(
        this,
        () => assessment.saveSelfEvaluationDraft(this.data.values).then(() => assessment.submitSelfEvaluation()),
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
