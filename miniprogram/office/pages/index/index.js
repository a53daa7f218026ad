/** Assessment office home: the region, the cycle and its windows, what waits (reviews, flags, physicians), entries. */
const office = require('../../../services/office')
const reviews = require('../../../services/reviews')
const lookups = require('../../../services/lookups')
const { run, formatTime } = require('../../../utils/ui')
const { requireLogin, go } = require('../../../utils/page')

Component({
  data: {
    regionName: '',
    cycleName: '',
    windows: [],
    figures: [],
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
      const r = await run(
        this,
        async () => {
          const [win, counts, open, progress] = await Promise.all([
            office.windows(),
            reviews.counts(),
            office.flags({ status: 'open', limit: 100 }),
            office.progress(),
          ])
          const regionName = await lookups.regionName(win.region_code)
          const names = await regionNames(win.items.map((w) => w.region_code))
          return { win, counts, open, progress, regionName, names }
        },
        { quiet: true },
      )
      if (!r.ok) {
        this.setData({ ready: false })
        return
      }
      const { win, counts, open, progress, regionName, names } = r.result
      const sum = (step) => progress.items.reduce((n, row) => n + (row.counts[step] || 0), 0)
      // This region's windows: its own where it set one, else the nearest the level above set.
      const applying = office.WINDOW_KINDS.map(({ kind, label }) => {
        const mine = win.items
          .filter((w) => w.kind === kind && office.regionCovers(w.region_code, win.region_code))
          .sort((a, b) => b.region_code.replace(/0+$/, '').length - a.region_code.replace(/0+$/, '').length)[0]
        if (!mine) return { kind, label, text: '尚未设置', setBy: '', open: false }
        return {
          kind,
          label: mine.label || label,
          text: `${formatTime(mine.opens_at)} 至 ${formatTime(mine.closes_at)}`,
          setBy: mine.region_code === win.region_code ? '本辖区设置' : `${names[mine.region_code] || '上级'}设置`,
          open: mine.is_open,
        }
      })
      this.setData({
        ready: true,
        regionName: regionName || '本辖区',
        cycleName: win.cycle.name,
        windows: applying,
        figures: [
          { key: 'reviews', label: '待审核', value: counts.total, url: '/reviewer/pages/queue/index' },
          {
            key: 'flags',
            label: '待处理监考异常',
            value: open.next_cursor ? `${open.items.length}+` : open.items.length,
            url: '/office/pages/flags/index',
          },
          {
            key: 'not_bound',
            label: '未绑定定考账号',
            value: sum('not_bound'),
            url: '/office/pages/progress/index?step=not_bound',
          },
          {
            key: 'not_enrolled',
            label: '未报名',
            value: sum('not_enrolled'),
            url: '/office/pages/progress/index?step=not_enrolled',
          },
          { key: 'exams', label: '待测评', value: sum('exams'), url: '/office/pages/progress/index?step=exams' },
        ],
      })
    },

    onOpen(e) {
      go(e.currentTarget.dataset.url)
    },
  },
})

async function regionNames(codes) {
  const unique = codes.filter((c, i) => c && codes.indexOf(c) === i)
  const names = await Promise.all(unique.map((c) => lookups.regionName(c)))
  const out = {}
  unique.forEach((c, i) => (out[c] = names[i]))
  return out
}
