/** My decisions, newest first. */
const reviews = require('../../../services/reviews')
const { run, formatTime } = require('../../../utils/ui')

Component({
  data: { items: [], nextCursor: null, loading: false, loadingMore: false, error: '' },
  methods: {
    onLoad() {
      return this.reload()
    },
    onReachBottom() {
      return this.loadMore()
    },
    async reload() {
      const r = await run(this, () => reviews.history({}), { quiet: true })
      if (r.ok) this.setData({ items: r.result.items.map(view), nextCursor: r.result.next_cursor })
    },
    async loadMore() {
      if (!this.data.nextCursor || this.data.loadingMore) return
      const r = await run(this, () => reviews.history({ cursor: this.data.nextCursor }), { key: 'loadingMore' })
      if (r.ok)
        this.setData({ items: this.data.items.concat(r.result.items.map(view)), nextCursor: r.result.next_cursor })
    },
  },
})

function view(h) {
  return {
    ...h,
    kindTitle: reviews.KIND_TITLES[h.kind] || h.kind,
    actionText: reviews.ACTION_TEXT[h.action] || h.action,
    time: formatTime(h.created_at),
  }
}
