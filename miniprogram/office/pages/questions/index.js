/**
 * Question bank: import an xlsx or JSON file picked from a chat (wx.chooseMessageFile; desktop WeChat picks from
 * the computer): all rows or none, the refused rows listed as the server reports them; export as xlsx, opened
 * with the menu so desktop WeChat can save it.
 */
const office = require('../../../services/office')
const { run } = require('../../../utils/ui')
const { requireLogin } = require('../../../utils/page')

Component({
  data: {
    fileName: '',
    result: null,
    rowErrors: [],
    rowErrorCount: 0,
    importing: false,
    exporting: false,
    error: '',
    offline: false,
  },
  methods: {
    onShow() {
      requireLogin()
    },

    onPick() {
      if (this.data.importing) return Promise.resolve()
      return new Promise((resolve) => {
        wx.chooseMessageFile({
          count: 1,
          type: 'file',
          extension: ['xlsx', 'json'],
          success: (res) => resolve(this.upload(res.tempFiles[0])),
          fail: () => resolve(),
        })
      })
    },

    async upload(file) {
      if (!file) return
      this.setData({ fileName: file.name || '', result: null, rowErrors: [], rowErrorCount: 0 })
      const r = await run(this, () => office.importQuestions(file.path), { key: 'importing', quiet: true })
      if (r.ok) {
        this.setData({ result: r.result })
        wx.showToast({ title: '导入完成', icon: 'success' })
        return
      }
      const rows = office.importErrors(r.error)
      const count = (r.error && r.error.details && r.error.details.error_count) || rows.length
      this.setData({ rowErrors: rows, rowErrorCount: count })
    },

    async onExport() {
      const r = await run(this, () => office.exportQuestions({ format: 'xlsx' }), { key: 'exporting' })
      if (!r.ok) return
      try {
        await office.openFile(r.result, 'xlsx')
      } catch (e) {
        this.setData({ error: '文件已下载，但无法打开，请在电脑版微信中重试' })
      }
    },
  },
})
