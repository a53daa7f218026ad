/** Inbox: messages newest first, read on open, read all, delete; cursor paging. */
const inbox = require('../../services/inbox')
const { run, formatTime, confirm } = require('../../utils/ui')
const { requireLogin, go } = require('../../utils/page')

Component({
  data: {
    items: [],
    nextCursor: null,
    unread: 0,
    loading: false,
    loadingMore: false,
    error: '',
    offline: false,
    openId: null,
  },
  methods: {
    onShow() {
      if (!requireLogin()) return undefined
      return this.reload()
    },

    async onPullDownRefresh() {
      await this.reload()
      wx.stopPullDownRefresh()
    },

    onReachBottom() {
      return this.loadMore()
    },

    async reload() {
      const r = await run(this, () => Promise.all([inbox.list({}), inbox.unreadCount()]), { quiet: true })
      if (!r.ok) return
      const [page, unread] = r.result
      this.setData({ items: page.items.map(view), nextCursor: page.next_cursor, unread: unread || 0 })
    },

    async loadMore() {
      if (!this.data.nextCursor || this.data.loadingMore) return
      const r = await run(this, () => inbox.list({ cursor: this.data.nextCursor }), { key: 'loadingMore' })
      if (r.ok) {
        this.setData({ items: this.data.items.concat(r.result.items.map(view)), nextCursor: r.result.next_cursor })
      }
    },

    async onOpen(e) {
      const id = e.currentTarget.dataset.id
      const index = this.data.items.findIndex((m) => m.id === id)
      if (index < 0) return
      this.setData({ openId: this.data.openId === id ? null : id })
      if (!this.data.items[index].unread) return
      const r = await run(this, () => inbox.markRead(id), { key: 'marking', quiet: true })
      if (r.ok) {
        this.setData({
          [`items[${index}].read_at`]: new Date().toISOString(),
          [`items[${index}].unread`]: false,
          unread: Math.max(0, this.data.unread - 1),
        })
      }
    },

    async onReadAll() {
      const r = await run(this, () => inbox.markAllRead(), { key: 'marking', success: '已全部标为已读' })
      if (r.ok)
        this.setData({
          items: this.data.items.map((m) => ({ ...m, unread: false })),
          unread: 0,
        })
    },

    onGo(e) {
      const item = this.data.items.find((m) => m.id === e.currentTarget.dataset.id)
      if (item && item.page) go(item.page)
    },

    async onDelete(e) {
      const id = e.currentTarget.dataset.id
      const ok = await confirm({ title: '删除消息', content: '删除后无法恢复。', confirmText: '删除', danger: true })
      if (!ok) return
      const r = await run(this, () => inbox.remove(id), { key: 'deleting', success: '已删除' })
      if (r.ok) this.setData({ items: this.data.items.filter((m) => m.id !== id) })
    },
  },
})

function view(m) {
  return { ...m, unread: !(m.read || m.read_at), time: formatTime(m.created_at), page: inbox.pageFor(m) }
}
