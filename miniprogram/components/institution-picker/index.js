/**
 * A medical institution chosen by name (/lookups/institutions): search by name, narrowed to a region when one
 * is given, paged by cursor. The id only travels in the `change` event ({id, name}); `value` (an id) shows the
 * institution's name.
 */
const lookups = require('../../services/lookups')
const { messageOf } = require('../../utils/errors')

Component({
  options: { virtualHost: true },
  properties: {
    label: { type: String, value: '执业机构' },
    value: { type: null, value: null },
    regionCode: { type: String, value: '' },
    required: { type: Boolean, value: false },
    error: { type: String, value: '' },
  },
  data: { open: false, name: '', q: '', items: [], next: null, loading: false, loadError: '' },
  observers: {
    value(id) {
      if (!id) return this.setData({ name: '' })
      if (this.picked === Number(id)) return undefined
      return lookups.institution(id).then(
        (inst) => this.setData({ name: inst.name }),
        () => this.setData({ name: '' }),
      )
    },
  },
  methods: {
    async onOpen() {
      this.setData({ open: true })
      await this.search()
    },
    onClose() {
      this.setData({ open: false })
    },
    onQuery(e) {
      this.setData({ q: e.detail.value })
      clearTimeout(this.typing)
      // search once typing pauses, not on every keystroke
      this.typing = setTimeout(() => this.search(), 300)
    },
    async search(more = false) {
      this.setData({ loading: true, loadError: '' })
      try {
        const page = await lookups.institutions({
          q: this.data.q.trim() || null,
          regionCode: this.properties.regionCode || null,
          cursor: more ? this.data.next : null,
        })
        this.setData({ items: (more ? this.data.items : []).concat(page.items), next: page.next_cursor })
      } catch (err) {
        this.setData({ loadError: messageOf(err) })
      } finally {
        this.setData({ loading: false })
      }
    },
    onMore() {
      return this.search(true)
    },
    onRetry() {
      return this.search()
    },
    onPick(e) {
      const inst = this.data.items[e.currentTarget.dataset.index]
      this.picked = inst.id
      this.setData({ open: false, name: inst.name })
      this.triggerEvent('change', { id: inst.id, name: inst.name, regionCode: inst.region_code })
    },
  },
})
