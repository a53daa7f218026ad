/** Business applications: my applications with their status, and the nine kinds to start one. */
const registration = require('../../../services/registration')
const reviews = require('../../../services/reviews')
const { run, formatTime } = require('../../../utils/ui')
const { go } = require('../../../utils/page')

Component({
  data: { kinds: registration.APPLICATION_KINDS, items: [], loading: false, error: '' },
  methods: {
    async onShow() {
      const r = await run(this, () => registration.applications(), { quiet: true })
      if (r.ok) {
        this.setData({
          items: r.result.items.map((i) => ({
            ...i,
            title: i.kind_title,
            statusText: i.status_label || i.status,
            time: formatTime(i.submitted_at || i.created_at),
            // Withdrawable until the institution has acted (the review engine refuses later).
            // Pending at either step (submitted: at the institution; institution_confirmed: at the commission).
            canWithdraw: ['submitted', 'institution_confirmed'].includes(i.status) && Boolean(i.review_item_id),
          })),
        })
      }
    },
    onNew(e) {
      go(`/registration/pages/application-form/index?kind=${e.currentTarget.dataset.kind}`)
    },
    async onWithdraw(e) {
      const id = e.currentTarget.dataset.reviewId
      const r = await run(this, () => reviews.withdraw(id), { key: 'withdrawing', success: '已撤回' })
      if (r.ok) this.onShow()
    },
  },
})
