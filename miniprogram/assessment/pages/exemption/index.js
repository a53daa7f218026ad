/** Ask to be exempt from the professional exam, with a reason and proof files (uploaded one by one). */
const assessment = require('../../../services/assessment')
const { run } = require('../../../utils/ui')
const { formMethods, askSubscription } = require('../../../utils/page')

Component({
  data: { reasons: [], reasonIndex: -1, proofs: [], loading: false, uploading: false, error: '' },
  methods: {
    ...formMethods,
    async onLoad() {
      const r = await run(this, () => assessment.procedureOptions(), { quiet: true })
      if (r.ok) this.setData({ reasons: r.result.exemption_reasons })
    },
    onReason(e) {
      this.setData({ reasonIndex: Number(e.detail.value) })
    },
    pick() {
      return new Promise((resolve, reject) => {
        wx.chooseMedia({ count: 1, mediaType: ['image'], success: (r) => resolve(r.tempFiles[0]), fail: reject })
      })
    },
    async onAddProof() {
      let file
      try {
        file = await this.pick()
      } catch (e) {
        return
      }
      const r = await run(this, () => assessment.uploadProof({ filePath: file.tempFilePath }), { key: 'uploading' })
      if (r.ok) this.setData({ proofs: this.data.proofs.concat(r.result) })
    },
    onRemove(e) {
      this.setData({ proofs: this.data.proofs.filter((p) => p.id !== e.currentTarget.dataset.id) })
    },
    async onSubmit() {
      const reason = this.data.reasons[this.data.reasonIndex]
      if (!reason) return this.setData({ error: '请选择免考理由' })
      if (!this.data.proofs.length) return this.setData({ error: '请上传证明材料' })
      await askSubscription(['review_result'])
      const r = await run(
        this,
        () => assessment.requestExemption({ reason: reason.code, proofIds: this.data.proofs.map((p) => p.id) }),
        { success: '已提交，等待审核' },
      )
      if (r.ok) wx.navigateBack()
      return undefined
    },
  },
})
