/** The user notice: must be accepted before anything else in the assessment. */
const assessment = require('../../../services/assessment')
const { run } = require('../../../utils/ui')

Component({
  data: { notice: null, loading: false, accepting: false, error: '' },
  methods: {
    async onLoad() {
      const r = await run(this, () => assessment.notice(), { quiet: true })
      if (r.ok) this.setData({ notice: r.result })
    },
    async onAccept() {
      const r = await run(
        this,
        () => assessment.acceptNotice({ version: this.data.notice && this.data.notice.version }),
        {
          key: 'accepting',
          success: '已确认',
        },
      )
      if (r.ok) wx.navigateBack()
    },
  },
})
