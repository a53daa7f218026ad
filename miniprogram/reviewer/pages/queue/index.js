/** Reviewer queue: counts per kind (tabs), the list with paging, batch approve of selected items, stats. */
const reviews = require('../../../services/reviews')
const { run, formatTime, confirm } = require('../../../utils/ui')
const { requireLogin, go } = require('../../../utils/page')

Component({
  data: {
    tabs: [],
    kind: '',
    items: [],
    nextCursor: null,
    stats: null,
    batchMode: false,
    selected: {},
    selectedCount: 0,
    batchResult: null,
    loading: false,
    loadingMore: false,
    approving: false,
    error: '',
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
      const r = await run(
        this,
        () => Promise.all([reviews.counts(), reviews.queue({ kind: this.data.kind || undefined }), reviews.stats()]),
        { quiet: true },
      )
      if (!r.ok) return
      const [counts, page, stats] = r.result
      const tabs = [{ kind: '', title: '全部', count: counts.total }].concat(
        Object.keys(counts.counts).map((k) => ({ kind: k, title: titleOf(page.items, k), count: counts.counts[k] })),
      )
      this.setData({
        tabs,
        items: page.items.map(view),
        nextCursor: page.next_cursor,
        stats,
        selected: {},
        selectedCount: 0,
      })
    },

    async loadMore() {
      if (!this.data.nextCursor || this.data.loadingMore) return
      const r = await run(
        this,
        () => reviews.queue({ kind: this.data.kind || undefined, cursor: this.data.nextCursor }),
        {
          key: 'loadingMore',
        },
      )
      if (r.ok)
        this.setData({ items: this.data.items.concat(r.result.items.map(view)), nextCursor: r.result.next_cursor })
    },

    onTab(e) {
      this.setData({ kind: e.currentTarget.dataset.kind })
      return this.reload()
    },

    onOpen(e) {
      const id = e.currentTarget.dataset.id
      if (this.data.batchMode) return this.toggle(id)
      go(`/reviewer/pages/detail/index?id=${id}`)
      return undefined
    },

    toggleBatch() {
      this.setData({ batchMode: !this.data.batchMode, selected: {}, selectedCount: 0, batchResult: null })
    },

    toggle(id) {
      const selected = { ...this.data.selected }
      if (selected[id]) delete selected[id]
      else selected[id] = true
      this.setData({ selected, selectedCount: Object.keys(selected).length })
    },

    async onBatchApprove() {
      const ids = Object.keys(this.data.selected).map(Number)
      if (!ids.length) return
      if (!(await confirm({ title: '批量通过', content: `确认通过选中的 ${ids.length} 项？` }))) return
      const r = await run(this, () => reviews.batchApprove(ids), { key: 'approving' })
      if (!r.ok) return
      const failed = r.result.results.filter((x) => !x.ok)
      this.setData({
        batchResult: { approved: r.result.approved, failed: failed.map((f) => ({ id: f.id, message: f.message })) },
        batchMode: failed.length > 0,
      })
      wx.showToast({
        title: `已通过 ${r.result.approved} 项${failed.length ? `，${failed.length} 项未通过` : ''}`,
        icon: 'none',
      })
      await this.reload()
    },

    goHistory: () => go('/reviewer/pages/history/index'),
  },
})

function titleOf(items, kind) {
  const item = items.find((i) => i.kind === kind)
  return item ? item.title : reviews.KIND_TITLES[kind] || kind
}

function view(i) {
  return {
    ...i,
    submitted: formatTime(i.submitted_at),
    applicantName: (i.applicant && i.applicant.name) || '—',
    stepText: `第 ${i.current_step + 1}/${i.step_count} 级审核`,
  }
}
