/** Forgotten password: an SMS code to the bound phone and a new password; no phone call to the institution. */
const auth = require('../../services/auth')
const { run } = require('../../utils/ui')
const { formMethods } = require('../../utils/page')

const PHONE = /^1[3-9]\d{9}$/

Component({
  data: { phone: '', smsCode: '', newPassword: '', confirmPassword: '', loading: false, sending: false, error: '' },
  methods: {
    ...formMethods,
    async onSendSms() {
      if (!PHONE.test(this.data.phone)) return this.setData({ error: '请输入正确的手机号' })
      return run(this, () => auth.sendSmsCode({ phone: this.data.phone, purpose: 'reset_password' }), {
        key: 'sending',
        success: '验证码已发送',
      })
    },
    goOther() {
      wx.navigateBack()
    },
    async onSubmit() {
      const { phone, smsCode, newPassword, confirmPassword } = this.data
      if (!PHONE.test(phone) || !/^\d{6}$/.test(smsCode)) return this.setData({ error: '请输入手机号和 6 位验证码' })
      if (!newPassword) return this.setData({ error: '请输入新密码' })
      if (newPassword !== confirmPassword) return this.setData({ error: '两次输入的新密码不一致' })
      const r = await run(this, () => auth.resetPassword({ phone, smsCode, newPassword }), {
        success: '密码已重置，请登录',
      })
      if (r.ok) wx.navigateBack()
      return undefined
    },
  },
})
