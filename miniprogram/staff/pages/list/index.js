/** Staff accounts the signed-in manager may manage: search, filters (role, status), pages, and 新建账号. */
const staff = require('../../../services/staff')
const { run } = require('../../../utils/ui')
const { requireLogin, go } = require('../../../utils/page')

const STATUS_FILTERS = [
  { key: '', title: '全部状态' },
  { key: 'active', title: '正常' },
  { key: 'disabled', title: '已停用' },
]

Component({
  data: {
    q: '',
    role: '',
    status: '',
    roleFilters: [],
    statusFilters: STATUS_FILTERS,
    items: [],
    nextCursor: null,
    loading: false,
    loadingMore: false,
    error: '',
    offline: false,
  },
  methods: {
    onLoad() {
      const roles = [{ key: '', title: '全部角色' }].concat(
        staff.ROLES.map((r) => ({ key: r, title: staff.ROLE_TEXT[r] })),
      )
      this.setData({ roleFilters: roles })
    },

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

    query(cursor) {
      const { q, role, status } = this.data
      return staff.list({
        q: q.trim(),
        role,
        isActive: status === 'active' ? true : status === 'disabled' ? false : undefined,
        cursor,
      })
    },

    async reload() {
      const r = await run(this, () => this.query(null), { quiet: true })
      if (!r.ok) {
        this.setData({ items: [], nextCursor: null })
        return
      }
      this.setData({ items: r.result.items.map(view), nextCursor: r.result.next_cursor })
    },

    async loadMore() {
      if (!this.data.nextCursor || this.data.loadingMore) return
      const r = await run(this, () => this.query(this.data.nextCursor), { key: 'loadingMore' })
      if (r.ok)
        this.setData({ items: this.data.items.concat(r.result.items.map(view)), nextCursor: r.result.next_cursor })
    },

    onSearchChange(e) {
      this.setData({ q: (e.detail && e.detail.value) || '' })
    },

    onSearch() {
      return this.reload()
    },

    onClear() {
      this.setData({ q: '' })
      return this.reload()
    },

    onRole(e) {
      this.setData({ role: e.currentTarget.dataset.key })
      return this.reload()
    },

    onStatus(e) {
      this.setData({ status: e.currentTarget.dataset.key })
      return this.reload()
    },

    onOpen(e) {
      go(`/staff/pages/detail/index?id=${e.currentTarget.dataset.id}`)
    },

    onNew() {
      go('/staff/pages/edit/index')
    },
  },
})

function view(s) {
  return {
    ...s,
    name: s.real_name || s.username || '—',
    roleText: staff.ROLE_TEXT[s.role] || '工作人员',
    scopeText: staff.scopeText(s),
    statusText: s.is_active ? (s.must_change_password ? '待首次登录' : '正常') : '已停用',
    statusTheme: s.is_active ? (s.must_change_password ? 'warning' : 'success') : 'default',
  }
}
