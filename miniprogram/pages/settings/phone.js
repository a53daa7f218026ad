/** Change the bound phone: a code to the current phone and a code to the new one. */
const account = require('../../services/account')
const auth = require('../../services/auth')
const { run } = require('../../utils/ui')
const { formMethods } = require('../../utils/page')

const PHONE = /^1[3-9]\d{9}$/

Component({
  data: {
    oldPhone: '',
    oldCode: '',
    newPhone: '',
    newCode: '',
    loading: false,
    sendingOld: false,
    sendingNew: false,
    error: '',
  },
  methods: {
    ...formMethods,
    async sendTo(which) {
      const phone = this.data[`${which}Phone`]
      if (!PHONE.test(phone)) return this.setData({ error: '请输入正确的手机号' })
      const key = which === 'old' ? 'sendingOld' : 'sendingNew'
      return run(this, () => auth.sendSmsCode({ phone, purpose: 'change_phone' }), { key, success: '验证码已发送' })
    },
    onSendOld() {
      return this.sendTo('old')
    },
    onSendNew() {
      return this.sendTo('new')
    },
    async onSubmit() {
      const { oldCode, newPhone, newCode } = this.data
      if (!/^\d{6}$/.test(oldCode) || !/^\d{6}$/.test(newCode) || !PHONE.test(newPhone)) {
        return this.setData({ error: '请填写两个 6 位验证码和新手机号' })
      }
      const r = await run(this, () => account.changePhone({ oldCode, newPhone, newCode }), { success: '手机号已更换' })
      if (r.ok) wx.navigateBack()
      return undefined
    },
  },
})
