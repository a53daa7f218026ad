/** The devices signed in to this account; end one, or all the others. */
const account = require('../../services/account')
const { run, formatTime, confirm } = require('../../utils/ui')
const { deviceName } = require('../../utils/device-name')

Component({
  data: { items: [], loading: false, ending: false, error: '', offline: false },
  methods: {
    onShow() {
      return this.reload()
    },
    async reload() {
      const r = await run(this, () => account.listSessions(), { quiet: true })
      if (r.ok) {
        this.setData({
          items: r.result.map((s) => ({
            ...s,
            device: deviceName(s.user_agent),
            lastUsed: formatTime(s.last_used_at),
          })),
        })
      }
    },
    async onEnd(e) {
      const id = e.currentTarget.dataset.id
      if (!(await confirm({ title: '退出该设备', content: '该设备需重新登录。', confirmText: '退出', danger: true })))
        return
      const r = await run(this, () => account.endSession(id), { key: 'ending', success: '已退出该设备' })
      if (r.ok) this.setData({ items: this.data.items.filter((s) => s.id !== id) })
    },
    async onEndOthers() {
      if (
        !(await confirm({
          title: '退出其他设备',
          content: '除本机外的所有设备都需重新登录。',
          confirmText: '全部退出',
          danger: true,
        }))
      )
        return
      const r = await run(this, () => account.endOtherSessions(), { key: 'ending' })
      if (r.ok) {
        wx.showToast({ title: `已退出 ${r.result} 台设备`, icon: 'none' })
        this.setData({ items: this.data.items.filter((s) => s.current) })
      }
    },
  },
})
