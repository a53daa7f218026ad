/** Choose the simplified procedure (a condition and its proof) or the general one. */
const assessment = require('../../../services/assessment')
const { run } = require('../../../utils/ui')
const { askSubscription } = require('../../../utils/page')

Component({
  data: {
    procedures: assessment.PROCEDURES,
    conditions: [],
    chosen: '',
    picked: [],
    proofs: [],
    loading: false,
    uploading: false,
    error: '',
  },
  methods: {
    async onLoad() {
      const r = await run(this, () => assessment.procedureOptions(), { quiet: true })
      if (r.ok) this.setData({ conditions: r.result.simplified_conditions })
    },
    onChoose(e) {
      this.setData({ chosen: e.detail.value, error: '' })
    },
    onConditions(e) {
      this.setData({ picked: e.detail.value })
    },
    async onAddProof() {
      const file = await new Promise((resolve) =>
        wx.chooseMedia({
          count: 1,
          mediaType: ['image'],
          success: (res) => resolve(res.tempFiles[0]),
          fail: () => resolve(null),
        }),
      )
      if (!file) return
      const r = await run(this, () => assessment.uploadProof({ filePath: file.tempFilePath }), { key: 'uploading' })
      if (r.ok) this.setData({ proofs: this.data.proofs.concat(r.result) })
    },
    async onSubmit() {
      const { chosen, picked, proofs } = this.data
      if (!chosen) return this.setData({ error: '请选择考核程序' })
      if (chosen === 'simplified' && !picked.length) return this.setData({ error: '请选择所符合的简易程序条件' })
      await askSubscription(['review_result'])
      const r = await run(
        this,
        () =>
          assessment.chooseProcedure({
            procedure: chosen,
            conditions: chosen === 'simplified' ? picked : [],
            proofIds: proofs.map((p) => p.id),
          }),
        { success: '已提交' },
      )
      if (r.ok) wx.navigateBack()
      return undefined
    },
  },
})
