/**
 * Reviewer queue: a tab for each kind with items (counts from /reviews/queue/counts), the rest under 全部;
 * `?kind=` opens that kind's tab. Each row: applicant, kind in words, submitted time and the item's key
 * fields (its `summary` when the server gives one); a checkbox per row and 全选, and 批量通过 (n) in the
 * bottom bar, reporting each item that failed with the server's reason.
 */
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
    selected: {},
    selectedCount: 0,
    allSelected: false,
    batchResult: null,
    loading: false,
    loadingMore: false,
    approving: false,
    error: '',
    offline: false,
  },
  methods: {
    onLoad(query) {
      if (query && query.kind) this.setData({ kind: query.kind })
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

    async reload() {
      const r = await run(
        this,
        () => Promise.all([reviews.counts(), reviews.queue({ kind: this.data.kind || undefined }), reviews.stats()]),
        { quiet: true },
      )
      if (!r.ok) {
        this.setData({ items: [], tabs: [], stats: null, nextCursor: null })
        return
      }
      const [counts, page, stats] = r.result
      // Only kinds that have items get a tab; the kind asked for keeps its tab even when it is empty now.
      const kinds = Object.keys(counts.counts).filter((k) => counts.counts[k] > 0 || k === this.data.kind)
      if (this.data.kind && !kinds.includes(this.data.kind)) kinds.push(this.data.kind)
      const tabs = [{ kind: '', title: '全部', count: counts.total }].concat(
        kinds.map((k) => ({ kind: k, title: titleOf(page.items, k), count: counts.counts[k] || 0 })),
      )
      this.setData({
        tabs,
        items: page.items.map(view),
        nextCursor: page.next_cursor,
        stats,
        selected: {},
        selectedCount: 0,
        allSelected: false,
      })
    },

    async loadMore() {
      if (!this.data.nextCursor || this.data.loadingMore) return
      const r = await run(
        this,
        () => reviews.queue({ kind: this.data.kind || undefined, cursor: this.data.nextCursor }),
        { key: 'loadingMore' },
      )
      if (r.ok) {
        this.setData({
          items: this.data.items.concat(r.result.items.map(view)),
          nextCursor: r.result.next_cursor,
          allSelected: false,
        })
      }
    },

    onTab(e) {
      const kind = e.currentTarget.dataset.kind
      if (kind === this.data.kind) return undefined
      this.setData({ kind, batchResult: null })
      return this.reload()
    },

    onOpen(e) {
      const id = e.currentTarget.dataset.id
      const kind = this.data.kind ? `&kind=${encodeURIComponent(this.data.kind)}` : ''
      go(`/reviewer/pages/detail/index?id=${id}${kind}`)
    },

    onCheck(e) {
      this.toggle(e.currentTarget.dataset.id)
    },

    toggle(id) {
      const selected = { ...this.data.selected }
      if (selected[id]) delete selected[id]
      else selected[id] = true
      this.select(selected)
    },

    onSelectAll() {
      const all = !this.data.allSelected
      const selected = {}
      if (all) this.data.items.forEach((i) => (selected[i.id] = true))
      this.select(selected)
    },

    select(selected) {
      const selectedCount = Object.keys(selected).length
      this.setData({
        selected,
        selectedCount,
        allSelected: selectedCount > 0 && selectedCount === this.data.items.length,
      })
    },

    async onBatchApprove() {
      if (this.data.approving) return
      const ids = Object.keys(this.data.selected).map(Number)
      if (!ids.length) return
      if (!(await confirm({ title: '批量通过', content: `确认通过选中的 ${ids.length} 项？` }))) return
      const r = await run(this, () => reviews.batchApprove(ids), { key: 'approving' })
      if (!r.ok) return
      const names = {}
      this.data.items.forEach((i) => (names[i.id] = `${i.applicantName} · ${i.title}`))
      const failed = r.result.results.filter((x) => !x.ok)
      wx.showToast({
        title: `已通过 ${r.result.approved} 项${failed.length ? `，${failed.length} 项未通过` : ''}`,
        icon: 'none',
      })
      await this.reload()
      this.setData({
        batchResult: {
          approved: r.result.approved,
          failed: failed.map((f) => ({ id: f.id, who: names[f.id] || `#${f.id}`, message: f.message })),
        },
      })
    },

    goHistory: () => go('/reviewer/pages/history/index'),
  },
})

function titleOf(items, kind) {
  const item = items.find((i) => i.kind === kind)
  return item ? item.title : reviews.KIND_TITLES[kind] || '其他事项'
}

function view(i) {
  return {
    ...i,
    submitted: formatTime(i.submitted_at),
    applicantName: (i.applicant && i.applicant.name) || '—',
    stepText: i.step_count > 1 ? `第 ${i.current_step + 1}/${i.step_count} 级审核` : '',
    summary: (i.summary || []).filter(
      (s) => s && s.label && s.value !== null && s.value !== undefined && s.value !== '',
    ),
  }
}
