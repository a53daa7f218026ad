/** Business applications: my applications with their status, the form PDF, withdraw (asked first), new ones. */
const registration = require('../../../services/registration')
const reviews = require('../../../services/reviews')
const { run, formatTime, confirm } = require('../../../utils/ui')
const { go } = require('../../../utils/page')

Component({
  data: { kinds: registration.APPLICATION_KINDS, items: [], loading: false, error: '', offline: false },
  methods: {
    async onShow() {
      const r = await run(this, () => registration.applications(), { quiet: true })
      if (r.ok) {
        this.setData({
          items: r.result.items.map((i) => ({
            ...i,
            title: i.kind_title,
            statusText: i.status_label || '处理中',
            time: formatTime(i.submitted_at || i.created_at),
            // Withdrawable while pending at either step (submitted: at the institution; institution_confirmed:
            // at the commission); the review engine refuses later.
            canWithdraw: ['submitted', 'institution_confirmed'].includes(i.status) && Boolean(i.review_item_id),
            hasForm: i.status !== 'draft',
          })),
        })
      }
    },
    onNew(e) {
      go(`/registration/pages/application-form/index?kind=${e.currentTarget.dataset.kind}`)
    },
    async onForm(e) {
      const id = e.currentTarget.dataset.id
      await run(this, () => registration.openForm(id), { key: 'opening' })
    },
    async onWithdraw(e) {
      const id = e.currentTarget.dataset.reviewId
      const ok = await confirm({
        title: '撤回申请',
        content: '撤回后审核停止，需要时可重新提交申请。',
        confirmText: '撤回',
        danger: true,
      })
      if (!ok) return
      const r = await run(this, () => reviews.withdraw(id), { key: 'withdrawing', success: '已撤回' })
      if (r.ok) this.onShow()
    },
  },
})
