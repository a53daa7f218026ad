/** E-registration menu, with where I stand (activated? registration status?). */
const registration = require('../../../services/registration')
const { run } = require('../../../utils/ui')
const { requireLogin, go } = require('../../../utils/page')

Component({
  data: { data: null, loading: false, error: '' },
  methods: {
    async onShow() {
      if (!requireLogin()) return
      const r = await run(this, () => registration.myData(), { quiet: true })
      if (r.ok) this.setData({ data: { ...registration.summary(r.result), name: r.result.name } })
    },
    onGo(e) {
      go(`/registration/pages/${e.currentTarget.dataset.page}/index`)
    },
  },
})
