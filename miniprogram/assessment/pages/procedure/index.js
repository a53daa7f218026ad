/** Choose the simplified or the general procedure. */
const assessment = require('../../../services/assessment')
const { run } = require('../../../utils/ui')

Component({
  data: { procedures: assessment.PROCEDURES, chosen: '', loading: false, error: '' },
  methods: {
    onChoose(e) {
      this.setData({ chosen: e.detail.value })
    },
    async onSubmit() {
      if (!this.data.chosen) return this.setData({ error: '请选择考核程序' })
      const r = await run(this, () => assessment.chooseProcedure({ procedure: this.data.chosen }), {
        success: '已提交',
      })
      if (r.ok) wx.navigateBack()
      return undefined
    },
  },
})
