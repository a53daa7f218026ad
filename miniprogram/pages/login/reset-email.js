/** Forgotten password by the security e-mail: a code to the verified address, then a new password. */
const auth = require('../../services/auth')
const { run } = require('../../utils/ui')
const { formMethods } = require('../../utils/page')

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/

Component({
  data: {
    email: '',
    code: '',
    newPassword: '',
    confirmPassword: '',
    sent: '',
    loading: false,
    sending: false,
    error: '',
  },
  methods: {
    ...formMethods,
    async onSendCode() {
      const email = this.data.email.trim()
      if (!EMAIL.test(email)) return this.setData({ error: '请输入正确的邮箱地址' })
      const r = await run(this, () => auth.sendEmailCode({ email }), { key: 'sending' })
      // The server answers the same whether or not the address is bound (no account enumeration): say so.
      if (r.ok) this.setData({ sent: r.result.message || '如该邮箱已绑定，验证码将很快送达' })
      return undefined
    },
    async onSubmit() {
      const { code, newPassword, confirmPassword } = this.data
      const email = this.data.email.trim()
      if (!EMAIL.test(email)) return this.setData({ error: '请输入正确的邮箱地址' })
      if (!/^\d{6}$/.test(code)) return this.setData({ error: '请输入邮件中的 6 位验证码' })
      if (!newPassword) return this.setData({ error: '请输入新密码' })
      if (newPassword !== confirmPassword) return this.setData({ error: '两次输入的新密码不一致' })
      const r = await run(this, () => auth.resetPasswordByEmail({ email, code, newPassword }), {
        success: '密码已重置，请登录',
      })
      if (r.ok) wx.reLaunch({ url: '/pages/login/index' })
      return undefined
    },
  },
})
