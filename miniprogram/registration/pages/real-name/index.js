/** Real-name check: name + ID number against the qualification register (checksum checked here first). */
const registration = require('../../../services/registration')
const { run } = require('../../../utils/ui')
const { formMethods } = require('../../../utils/page')

const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
const CHECK = '10X98765432'

/** GB 11643 checksum, so a typo is caught before the request (the server checks again). */
function idNumberValid(id) {
  if (!/^\d{17}[\dXx]$/.test(id)) return false
  const sum = WEIGHTS.reduce((acc, w, i) => acc + w * Number(id[i]), 0)
  return CHECK[sum % 11] === id[17].toUpperCase()
}

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
