/**
 * A region (GB/T 2260) chosen by name, level by level from /lookups/regions: 省 › 市 › 区县. The code only
 * travels in the `change` event ({code, name}); a person sees "北京市 东城区". `value` (a code) shows its name.
 * `level` 1 stops at a province (the assessment binding), 3 (default) goes down to a county.
 */
const lookups = require('../../services/lookups')
const { messageOf } = require('../../utils/errors')

Component({
  options: { virtualHost: true },
  properties: {
    label: { type: String, value: '所在地区' },
    value: { type: String, value: '' },
    level: { type: Number, value: 3 },
    required: { type: Boolean, value: false },
    error: { type: String, value: '' },
  },
  data: { open: false, name: '', trail: [], items: [], loading: false, loadError: '' },
  observers: {
    value(code) {
      if (!code) return this.setData({ name: '' })
      if (this.picked === code) return undefined
      return lookups.regionName(code).then(
        (name) => this.setData({ name }),
        () => this.setData({ name: '' }),
      )
    },
  },
  methods: {
    async onOpen() {
      this.setData({ open: true, trail: [] })
      await this.load(null)
    },
    onClose() {
      this.setData({ open: false })
    },
    async load(parent) {
      this.setData({ loading: true, loadError: '', items: [] })
      try {
        const items = await lookups.regions(parent ? parent.code : null)
        this.setData({ items })
      } catch (err) {
        this.setData({ loadError: messageOf(err) })
      } finally {
        this.setData({ loading: false })
      }
    },
    onRetry() {
      const trail = this.data.trail
      return this.load(trail[trail.length - 1] || null)
    },
    async onPick(e) {
      const region = this.data.items[e.currentTarget.dataset.index]
      const trail = this.data.trail.concat(region)
      if (region.has_children && trail.length < this.properties.level) {
        this.setData({ trail })
        await this.load(region)
        return
      }
      this.choose(trail)
    },
    /** Take the level reached (a city whose counties are not needed, or a province). */
    onTakeHere() {
      if (this.data.trail.length) this.choose(this.data.trail)
    },
    onBack(e) {
      const depth = Number(e.currentTarget.dataset.depth)
      const trail = this.data.trail.slice(0, depth)
      this.setData({ trail })
      return this.load(trail[trail.length - 1] || null)
    },
    choose(trail) {
      const region = trail[trail.length - 1]
      // Skip the "市辖区" filler GB/T 2260 puts under a municipality: "北京市 东城区", not "北京市 市辖区 东城区".
      const name = trail
        .filter((r, i) => !(i > 0 && /^(市辖区|县)$/.test(r.name)))
        .map((r) => r.name)
        .join(' ')
      this.picked = region.code
      this.setData({ open: false, name })
      this.triggerEvent('change', { code: region.code, name, provinceCode: region.province_code })
    },
  },
})
