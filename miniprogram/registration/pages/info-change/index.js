/** Ask for a change of education, school, title, major (the institution reviews it). */
const registration = require('../../../services/registration')
const { run } = require('../../../utils/ui')
const { formMethods, askSubscription } = require('../../../utils/page')

const FIELDS = [
  { key: 'education', label: '学历' },
  { key: 'school', label: '毕业学校' },
  { key: 'major', label: '所学专业' },
  { key: 'title', label: '任职资格' },
]

Component({
  data: { fields: FIELDS, values: {}, loading: false, error: '', submitted: null },
  methods: {
    ...formMethods,
    onField(e) {
      this.setData({ [`values.${e.currentTarget.dataset.key}`]: e.detail.value })
    },
    async onSubmit() {
      const changes = {}
      Object.keys(this.data.values).forEach((k) => {
        if (this.data.values[k] && this.data.values[k].trim()) changes[k] = this.data.values[k].trim()
      })
      if (!Object.keys(changes).length) return this.setData({ error: '请至少填写一项要修改的信息' })
      await askSubscription(['review_result'])
      const r = await run(this, () => registration.requestInfoChange(changes), {
        success: '已提交，等待机构审核',
      })
      if (r.ok) this.setData({ submitted: r.result })
      return undefined
    },
  },
})
