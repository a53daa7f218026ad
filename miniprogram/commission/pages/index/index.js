/**
 * Health commission: business applications of its region by institution and kind (counts per state, the server's
 * state words), totals per kind, and entries to the applications waiting for its approval (the reviewer queue
 * filtered by kind).
 */
const commission = require('../../../services/commission')
const { run } = require('../../../utils/ui')
const { requireLogin, go } = require('../../../utils/page')

// States shown as columns, in the order an application moves (the server names each in state_labels).
const STATES = ['submitted', 'institution_confirmed', 'approved', 'rejected', 'returned', 'withdrawn']
const ALWAYS_SHOWN = ['submitted', 'institution_confirmed', 'approved']

Component({
  data: {
    heads: [],
    kinds: [],
    institutions: [],
    loading: false,
    error: '',
    offline: false,
    ready: false,
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

    async reload() {
      const r = await run(this, () => commission.figures(), { quiet: true })
      if (!r.ok) {
        this.setData({ ready: false })
        return
      }
      const { state_labels: labels, items } = r.result
      // Columns: the states an application waits in, and any other state some application is in.
      const used = (s) => items.some((row) => row.counts[s])
      const states = STATES.concat(Object.keys(labels).filter((s) => !STATES.includes(s))).filter(
        (s) => labels[s] && (ALWAYS_SHOWN.includes(s) || used(s)),
      )
      const byKind = {}
      const byInstitution = {}
      items.forEach((row) => {
        const k =
          byKind[row.kind] || (byKind[row.kind] = { kind: row.kind, title: row.kind_title, total: 0, waiting: 0 })
        k.total += row.total
        // Waiting for the commission: confirmed by the institution, or filed by the institution itself.
        k.waiting +=
          (row.counts.institution_confirmed || 0) +
          (row.kind.startsWith('institution_') ? row.counts.submitted || 0 : 0)
        const key = row.institution_id === null ? 'none' : String(row.institution_id)
        const inst =
          byInstitution[key] ||
          (byInstitution[key] = { key, name: row.institution_name || '未填写机构', total: 0, rows: [] })
        inst.total += row.total
        inst.rows.push({
          kind: row.kind,
          title: row.kind_title,
          total: row.total,
          values: states.map((s) => row.counts[s] || 0),
        })
      })
      this.setData({
        ready: true,
        heads: states.map((s) => labels[s]),
        kinds: Object.values(byKind),
        institutions: Object.values(byInstitution),
      })
    },

    onQueue(e) {
      go(`/reviewer/pages/queue/index?kind=${commission.queueKind(e.currentTarget.dataset.kind)}`)
    },
  },
})
