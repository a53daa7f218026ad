/** Multi-site filings: physicians of other institutions filed here, and ours filed at other institutions. */
const institution = require('../../../services/institution')
const { CATEGORY_TEXT, LEVEL_TEXT } = require('../../../services/registration')
const { run } = require('../../../utils/ui')
const { requireLogin } = require('../../../utils/page')

Component({
  data: { direction: 'here', items: [], loaded: false, loading: false, error: '', offline: false },
  methods: {
    onShow() {
      if (!requireLogin()) return undefined
      return this.reload()
    },

    async reload() {
      this.setData({ items: [], loaded: false })
      const direction = this.data.direction
      const r = await run(this, () => institution.multiSite(direction), { quiet: true })
      if (!r.ok || direction !== this.data.direction) return
      this.setData({ items: r.result.items.map(view), loaded: true })
    },

    onTab(e) {
      const direction = e.detail.value
      if (direction === this.data.direction) return undefined
      this.setData({ direction })
      return this.reload()
    },
  },
})

function view(p) {
  return {
    ...p,
    kindText: `${CATEGORY_TEXT[p.category] || ''}${LEVEL_TEXT[p.level] || ''}`,
    filedOn: p.filed_on || '',
  }
}
