/**
 * Cycles (creating one is the admin's) and the windows of the office's region: the ones the level above set
 * (read-only, they bound this region's), this region's own (set with date-time pickers, or deleted), those below.
 */
const office = require('../../../services/office')
const lookups = require('../../../services/lookups')
const store = require('../../../utils/auth-store')
const { run, formatTime, confirm } = require('../../../utils/ui')
const { requireLogin } = require('../../../utils/page')

Component({
  data: {
    cycles: [],
    isAdmin: false,
    hasWindows: false,
    creating: false,
    cycleForm: { name: '', startsOn: '', endsOn: '' },
    cycleError: '',
    savingCycle: false,
    regionName: '',
    cycleName: '',
    above: [],
    own: [],
    below: [],
    kinds: office.WINDOW_KINDS,
    kind: 'enrolment',
    opensAt: '',
    closesAt: '',
    target: null,
    picker: '',
    formError: '',
    saving: false,
    loading: false,
    error: '',
    offline: false,
    ready: false,
  },
  methods: {
    onShow() {
      if (!requireLogin()) return undefined
      const user = store.user()
      this.setData({ isAdmin: Boolean(user && user.role === 'admin') })
      return this.reload()
    },

    async reload() {
      const r = await run(
        this,
        async () => {
          // The administrator belongs to no region: it creates the cycles, the offices set their regions' windows
          const [list, win] = await Promise.all([office.cycles(), this.data.isAdmin ? null : office.windows()])
          if (!win) return { list, win, byCode: {} }
          const codes = [win.region_code].concat(win.items.map((w) => w.region_code))
          const unique = codes.filter((c, i) => codes.indexOf(c) === i)
          const names = await Promise.all(unique.map((c) => lookups.regionName(c)))
          const byCode = {}
          unique.forEach((c, i) => (byCode[c] = names[i] || '下级辖区'))
          return { list, win, byCode }
        },
        { quiet: true },
      )
      if (!r.ok) {
        this.setData({ ready: false })
        return
      }
      const { list, win, byCode } = r.result
      if (!win) {
        this.setData({ ready: true, hasWindows: false, cycles: list.items.map((c) => ({ ...c, current: false })) })
        return
      }
      const view = (w) => ({
        key: `${w.region_code}-${w.kind}`,
        kind: w.kind,
        label: w.label,
        region: byCode[w.region_code],
        regionCode: w.region_code,
        opens: formatTime(w.opens_at),
        closes: formatTime(w.closes_at),
        isOpen: w.is_open,
      })
      const mine = win.region_code
      this.setData({
        ready: true,
        hasWindows: true,
        cycles: list.items.map((c) => ({ ...c, current: c.id === win.cycle.id })),
        regionName: byCode[mine] || '本辖区',
        cycleName: win.cycle.name,
        above: win.items.filter((w) => w.region_code !== mine && office.regionCovers(w.region_code, mine)).map(view),
        own: win.items.filter((w) => w.region_code === mine).map(view),
        below: win.items.filter((w) => w.region_code !== mine && office.regionCovers(mine, w.region_code)).map(view),
      })
    },

    // ---- a new cycle (admin)
    toggleCreate() {
      this.setData({ creating: !this.data.creating, cycleError: '' })
    },

    onCycleField(e) {
      this.setData({ [`cycleForm.${e.currentTarget.dataset.field}`]: e.detail.value })
    },

    async onCreateCycle() {
      const f = this.data.cycleForm
      if (!f.name.trim() || !f.startsOn || !f.endsOn) {
        this.setData({ cycleError: '请填写周期名称和起止日期' })
        return
      }
      const r = await run(this, () => office.createCycle({ name: f.name.trim(), ...pick(f) }), {
        key: 'savingCycle',
        errorKey: 'cycleError',
        success: '已新建',
      })
      if (r.ok) {
        this.setData({ creating: false, cycleForm: { name: '', startsOn: '', endsOn: '' } })
        await this.reload()
      }
    },

    // ---- this region's window
    onKind(e) {
      this.setData({ kind: e.currentTarget.dataset.kind, formError: '' })
    },

    /** Edit this region's window, or one a region below set (the form then sets that region's). */
    onEdit(e) {
      const key = e.currentTarget.dataset.key
      const own = this.data.own.find((x) => x.key === key)
      const below = this.data.below.find((x) => x.key === key)
      const w = own || below
      if (!w) return
      this.setData({
        kind: w.kind,
        opensAt: w.opens,
        closesAt: w.closes,
        target: below ? { code: below.regionCode, name: below.region } : null,
        formError: '',
      })
    },

    onOwnRegion() {
      this.setData({ target: null, formError: '' })
    },

    openPicker(e) {
      this.setData({ picker: e.currentTarget.dataset.which })
    },

    closePicker() {
      this.setData({ picker: '' })
    },

    onPicked(e) {
      this.setData({ [this.data.picker]: e.detail.value, picker: '', formError: '' })
    },

    async onSave() {
      const { kind, opensAt, closesAt } = this.data
      if (!opensAt || !closesAt) {
        this.setData({ formError: '请选择开始和结束时间' })
        return
      }
      const regionCode = this.data.target ? this.data.target.code : null
      const r = await run(
        this,
        () => office.setWindow({ kind, opensAt: wire(opensAt), closesAt: wire(closesAt), regionCode }),
        {
          key: 'saving',
          errorKey: 'formError',
          success: '已保存',
        },
      )
      if (r.ok) await this.reload()
    },

    async onClear(e) {
      const key = e.currentTarget.dataset.key
      const below = this.data.below.find((x) => x.key === key)
      const w = this.data.own.find((x) => x.key === key) || below
      if (!w) return
      const where = below ? below.region : '本辖区'
      const ok = await confirm({
        title: `删除${where}的${w.label}时间`,
        content: `删除后${where}适用上级设置的时间。`,
        confirmText: '删除',
        danger: true,
      })
      if (!ok) return
      const regionCode = below ? below.regionCode : null
      const r = await run(this, () => office.clearWindow({ kind: w.kind, regionCode }), {
        key: 'saving',
        errorKey: 'formError',
        success: '已删除',
      })
      if (r.ok) await this.reload()
    },
  },
})

function pick(f) {
  return { startsOn: f.startsOn, endsOn: f.endsOn }
}

/** "2026-06-01 08:00" (Beijing time, as picked) → "2026-06-01T08:00:00", which the server reads as Beijing time. */
function wire(text) {
  return `${text.replace(' ', 'T')}:00`
}
