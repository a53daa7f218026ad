/**
 * 审批机关 per physician category: what this institution's physicians' registrations are approved by. A
 * category's authority is typed, or filled from a region picked by name (its health commission).
 */
const institution = require('../../../services/institution')
const { run, exclusive } = require('../../../utils/ui')
const { requireLogin } = require('../../../utils/page')

Component({
  data: {
    rows: [],
    values: {},
    saved: {},
    loaded: false,
    loading: false,
    saving: false,
    error: '',
    formError: '',
    offline: false,
  },
  methods: {
    onShow() {
      if (!requireLogin()) return undefined
      return this.reload()
    },

    async reload() {
      const r = await run(this, () => Promise.all([institution.categories(), institution.authorities()]), {
        quiet: true,
      })
      if (!r.ok) return
      const [categories, current] = r.result
      const rows = categories.filter((c) => c.code in current).map((c) => ({ code: c.code, label: c.label }))
      this.setData({ rows, values: { ...current }, saved: { ...current }, loaded: true })
    },

    onValue(e) {
      this.setData({ [`values.${e.currentTarget.dataset.code}`]: e.detail.value, formError: '' })
    },

    onRegion(e) {
      this.setData({
        [`values.${e.currentTarget.dataset.code}`]: institution.commissionOf(e.detail.name),
        formError: '',
      })
    },

    onSave() {
      return exclusive(this, async () => {
        if (this.data.saving) return
        const changed = {}
        this.data.rows.forEach(({ code }) => {
          const v = String(this.data.values[code] || '').trim()
          if (v !== (this.data.saved[code] || '')) changed[code] = v
        })
        if (Object.values(changed).some((v) => !v)) {
          this.setData({ formError: '审批机关不能为空' })
          return
        }
        if (!Object.keys(changed).length) {
          this.setData({ formError: '没有需要保存的修改' })
          return
        }
        const r = await run(this, () => institution.setAuthorities(changed), {
          key: 'saving',
          errorKey: 'formError',
          success: '已保存',
        })
        if (r.ok) this.setData({ values: { ...r.result }, saved: { ...r.result } })
      })
    },
  },
})
