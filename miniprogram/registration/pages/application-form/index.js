/** The form of one business application kind. */
const registration = require('../../../services/registration')
const { run } = require('../../../utils/ui')
const { askSubscription } = require('../../../utils/page')

Component({
  data: { kind: '', title: '', fields: [], values: {}, loading: false, error: '' },
  methods: {
    onLoad(query) {
      const kind = query.kind
      const meta = registration.APPLICATION_KINDS.find((k) => k.kind === kind) || { title: kind }
      const required = registration.APPLICATION_REQUIRED[kind] || []
      const fields = (registration.APPLICATION_FIELDS[kind] || []).map((f) => ({
        key: f,
        label: registration.FIELD_LABELS[f] || f,
        required: required.includes(f),
      }))
      this.setData({ kind, title: meta.title, fields })
      wx.setNavigationBarTitle({ title: meta.title })
    },
    onField(e) {
      this.setData({ [`values.${e.currentTarget.dataset.key}`]: e.detail.value })
    },
    async onSubmit() {
      const missing = this.data.fields.filter((f) => f.required && !(this.data.values[f.key] || '').trim())
      if (missing.length) return this.setData({ error: `请填写${missing.map((f) => f.label).join('、')}` })
      await askSubscription(['review_result'])
      const r = await run(
        this,
        () => registration.submitApplication({ kind: this.data.kind, form: this.data.values }),
        {
          success: '已提交',
        },
      )
      if (r.ok) wx.navigateBack()
      return undefined
    },
  },
})
