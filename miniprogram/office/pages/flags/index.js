/** The region's proctoring flags: filter by state (server) and by kind (reason), paged; a flag opens its detail. */
const office = require('../../../services/office')
const { run, formatTime } = require('../../../utils/ui')
const { requireLogin, go } = require('../../../utils/page')

const STATES = [{ value: '', label: '全部' }].concat(
  Object.keys(office.FLAG_STATUS).map((value) => ({ value, label: office.FLAG_STATUS[value] })),
)
const KINDS = [{ value: '', label: '全部异常' }].concat(
  Object.keys(office.FLAG_REASONS).map((value) => ({ value, label: office.FLAG_REASONS[value] })),
)

Component({
  data: {
    states: STATES,
    kinds: KINDS,
    status: 'open',
    reason: '',
    all: [],
    items: [],
    nextCursor: null,
    loading: false,
    loadingMore: false,
    error: '',
    offline: false,
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
      this.setData({ all: [], items: [] })
      const r = await run(this, () => office.flags({ status: this.data.status || null }), { quiet: true })
      if (r.ok) this.show(r.result.items.map(view), r.result.next_cursor)
    },

    async loadMore() {
      if (!this.data.nextCursor || this.data.loadingMore) return
      const r = await run(
        this,
        () => office.flags({ status: this.data.status || null, cursor: this.data.nextCursor }),
        { key: 'loadingMore' },
      )
      if (r.ok) this.show(this.data.all.concat(r.result.items.map(view)), r.result.next_cursor)
    },

    show(all, nextCursor) {
      const reason = this.data.reason
      this.setData({ all, nextCursor, items: all.filter((f) => !reason || f.reason === reason) })
    },

    onState(e) {
      this.setData({ status: e.currentTarget.dataset.value })
      return this.reload()
    },

    onKind(e) {
      this.setData({ reason: e.currentTarget.dataset.value })
      this.show(this.data.all, this.data.nextCursor)
    },

    onOpen(e) {
      go(`/office/pages/flag/index?id=${e.currentTarget.dataset.id}`)
    },
  },
})

function view(f) {
  return {
    id: f.id,
    reason: f.reason,
    reasonText: office.FLAG_REASONS[f.reason] || '监考异常',
    status: f.status,
    statusText: office.FLAG_STATUS[f.status] || '',
    examText: office.EXAM_KINDS[f.exam_kind] || '测评',
    name: (f.candidate && f.candidate.name) || '考生',
    time: formatTime(f.created_at),
    distance: f.distance === null || f.distance === undefined ? '' : `特征距离 ${Number(f.distance).toFixed(2)}`,
  }
}
