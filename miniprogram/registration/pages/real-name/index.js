/** Real-name check: name + ID number against the qualification register (checksum checked here first). */
const registration = require('../../../services/registration')
const { run } = require('../../../utils/ui')
const { formMethods } = require('../../../utils/page')

const { idNumberValid } = require('../../../utils/identity')

Component({
  data: { name: '', idNumber: '', result: null, loading: false, error: '' },
  methods: {
    ...formMethods,
    async onSubmit() {
      const name = this.data.name.trim()
      const idNumber = this.data.idNumber.trim().toUpperCase()
      if (!name) return this.setData({ error: '请输入姓名' })
      if (!idNumberValid(idNumber)) return this.setData({ error: '身份证号码格式或校验位不正确' })
      const r = await run(this, () => registration.realNameCheck({ name, idNumber }))
      if (r.ok) this.setData({ result: r.result })
      return undefined
    },
    goActivation() {
      wx.navigateTo({ url: '/registration/pages/activation/index' })
    },
  },
})

module.exports = { idNumberValid }
