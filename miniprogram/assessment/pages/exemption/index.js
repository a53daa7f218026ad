/** Ask to be exempt from the professional exam, with a reason and proof files (uploaded one by one). */
const assessment = require('../../../services/assessment')
const { run } = require('../../../utils/ui')
const { formMethods } = require('../../../utils/page')

Component({
  data: { reason: '', proofs: [], loading: false, uploading: false, error: '' },
  methods: {
    ...formMethods,
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
      if (r.ok)
        this.setData({
          proofs: this.data.proofs.concat({ id: r.result.id || r.result.proof_id, path: file.tempFilePath }),
        })
    },
    onRemove(e) {
      this.setData({ proofs: this.data.proofs.filter((p) => p.id !== e.currentTarget.dataset.id) })
    },
    async onSubmit() {
      if (!this.data.reason.trim()) return this.setData({ error: '请填写免考原因' })
      if (!this.data.proofs.length) return this.setData({ error: '请上传证明材料' })
      const r = await run(
        this,
        () =>
          assessment.requestExemption({ reason: this.data.reason.trim(), proofIds: this.data.proofs.map((p) => p.id) }),
        { success: '已提交，等待审核' },
      )
      if (r.ok) wx.navigateBack()
      return undefined
    },
  },
})
