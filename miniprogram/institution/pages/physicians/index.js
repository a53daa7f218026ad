/** Physicians whose main site is this institution: search by name, filter by account state, open one. */
const institution = require('../../../services/institution')
const { CATEGORY_TEXT, LEVEL_TEXT } = require('../../../services/registration')
const { run } = require('../../../utils/ui')
const { requireLogin, go } = require('../../../utils/page')

const FILTERS = [
  { code: '', label: '全部' },
  { code: 'not_active', label: '未激活' },
  { code: 'active', label: '已激活' },
]

Component({
  data: {
    filters: FILTERS,
    state: '',
    name: '',
    all: [],
    items: [],
    loaded: false,
    loading: false,
    error: '',
    offline: false,
  },
  methods: {
    onLoad(query = {}) {
      if (query.state) this.setData({ state: query.state })
    },

    onShow() {
      if (!requireLogin()) return undefined
      return this.reload()
    },

    async reload() {
      const r = await run(this, () => institution.allPhysicians({ name: this.data.name.trim() || undefined }), {
        quiet: true,
      })
      if (!r.ok) return
      this.setData({ all: r.result.map(view), loaded: true })
      this.applyFilter()
    },

    applyFilter() {
      const state = this.data.state
      const items = this.data.all.filter((p) => {
        if (state === 'active') return p.account_status === 'active'
        if (state === 'not_active') return p.account_status !== 'active'
        return true
      })
      this.setData({ items })
    },

    onSearchInput(e) {
      this.setData({ name: e.detail.value })
    },

    onSearch() {
      return this.reload()
    },

    onClear() {
      this.setData({ name: '' })
      return this.reload()
    },

    onFilter(e) {
      this.setData({ state: e.currentTarget.dataset.code })
      this.applyFilter()
    },

    onOpen(e) {
      go(`/institution/pages/physician/index?id=${e.currentTarget.dataset.id}`)
    },
  },
})

function view(p) {
  return {
    ...p,
    accountText: institution.ACCOUNT_TEXT[p.account_status] || '',
    kindText: `${CATEGORY_TEXT[p.category] || ''}${LEVEL_TEXT[p.level] || ''}`,
    active: p.account_status === 'active',
  }
}
