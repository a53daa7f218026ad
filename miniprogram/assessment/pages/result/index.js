/** The assessment result and the printable result notice (PDF). */
const assessment = require('../../../services/assessment')
const { run } = require('../../../utils/ui')

Component({
  data: { result: null, loading: false, downloading: false, error: '' },
  methods: {
    async onLoad() {
      const r = await run(this, () => assessment.result(), { quiet: true })
      if (!r.ok) return
      const a = r.result.assessment || {}
      this.setData({
        result: {
          ...a,
          cycleName: r.result.cycle ? r.result.cycle.name : '',
          resultText: { passed: '合格', failed: '不合格' }[a.result] || '尚未出结果',
        },
      })
    },
    async onNotice() {
      const r = await run(this, () => assessment.downloadResultNotice(), { key: 'downloading' })
      if (r.ok) wx.openDocument({ filePath: r.result, fileType: 'pdf', showMenu: true })
    },
  },
})
