/** My registration data in fixed sections with Chinese labels: values in words, places by name, nothing twice. */
const registration = require('../../../services/registration')
const lookups = require('../../../services/lookups')
const { run } = require('../../../utils/ui')
const { profileSections, regionCodes } = require('../../../utils/words')

async function placeNames(codes) {
  const names = await Promise.all(codes.map((c) => lookups.regionName(c).catch(() => '')))
  return Object.fromEntries(codes.map((c, i) => [c, names[i]]))
}

Component({
  data: { sections: [], loading: false, error: '', offline: false },
  methods: {
    async onShow() {
      const r = await run(this, () => registration.myData(), { quiet: true })
      if (!r.ok) return
      this.setData({ sections: profileSections(r.result) })
      const codes = regionCodes(r.result)
      if (codes.length) this.setData({ sections: profileSections(r.result, await placeNames(codes)) })
    },
  },
})
