/**
 * Log-in and sign-up, three ways: WeChat (wx.login; an unknown WeChat user signs up with phone-number quick
 * verification, or with an SMS code when they decline), SMS code, password (with a captcha after failures).
 */
const auth = require('../../services/auth')
const { run, toast } = require('../../utils/ui')
const { formMethods, homeFor } = require('../../utils/page')

const PHONE = /^1[3-9]\d{9}$/
const RESEND_S = 60

Component({
  data: {
    mode: 'wechat', // wechat | sms | password
    agreed: false,
    needsBinding: false,
    ticket: null,
    smsPurpose: 'login', // login | register
    phone: '',
    smsCode: '',
    newPassword: '',
    login: '',
    password: '',
    captchaId: null,
    captchaImage: '',
    captchaAnswer: '',
    resendIn: 0,
    loading: false,
    sending: false,
    error: '',
  },
  methods: {
    ...formMethods,

    onLoad() {
      this.timer = null
    },

    onUnload() {
      if (this.timer) clearInterval(this.timer)
    },

    onAgree(e) {
      this.setData({ agreed: (e.detail.value || []).length > 0 })
    },

    switchMode(e) {
      const mode = e.currentTarget.dataset.mode
      this.setData({ mode, error: '', smsPurpose: this.data.needsBinding ? 'register' : 'login' })
    },

    needAgreement() {
      if (this.data.agreed) return false
      this.setData({ error: '请先阅读并同意用户协议和隐私政策' })
      toast('请先阅读并同意用户协议和隐私政策')
      return true
    },

    async onWechatLogin() {
      if (this.needAgreement()) return
      const r = await run(this, () => auth.logInWithWechat())
      if (!r.ok) return
      if (r.result.needsBinding) {
        this.setData({ needsBinding: true, ticket: r.result.ticket, smsPurpose: 'register' })
        return
      }
      this.enter(r.result.user)
    },

    /** <button open-type="getPhoneNumber" bindgetphonenumber="onGetPhoneNumber">: detail.code, or a refusal. */
    async onGetPhoneNumber(e) {
      const code = e.detail && e.detail.code
      if (!code) {
        // Declined (or an old WeChat without the code): sign up with an SMS code instead.
        this.setData({ mode: 'sms', smsPurpose: 'register', error: '未授权手机号，可使用短信验证码注册' })
        return
      }
      const r = await run(this, () => auth.registerWithWechatPhone({ ticket: this.data.ticket, phoneCode: code }))
      if (r.ok) this.enter(r.result)
      else if (r.error.code === 'WECHAT_TICKET_INVALID') this.setData({ needsBinding: false, ticket: null })
    },

    async onSendSms() {
      const { phone, smsPurpose, resendIn } = this.data
      if (resendIn > 0) return
      if (!PHONE.test(phone)) {
        this.setData({ error: '请输入正确的手机号' })
        return
      }
      const r = await run(this, () => auth.sendSmsCode({ phone, purpose: smsPurpose }), {
        key: 'sending',
        success: '验证码已发送',
      })
      if (r.ok) this.startResendTimer()
    },

    startResendTimer() {
      this.setData({ resendIn: RESEND_S })
      if (this.timer) clearInterval(this.timer)
      this.timer = setInterval(() => {
        const left = this.data.resendIn - 1
        this.setData({ resendIn: Math.max(0, left) })
        if (left <= 0) {
          clearInterval(this.timer)
          this.timer = null
        }
      }, 1000)
    },

    async onSmsSubmit() {
      const { phone, smsCode, smsPurpose, newPassword } = this.data
      if (!PHONE.test(phone) || !/^\d{6}$/.test(smsCode)) {
        this.setData({ error: '请输入手机号和 6 位验证码' })
        return
      }
      if (smsPurpose === 'register') {
        if (this.needAgreement()) return
        const r = await run(this, () => auth.registerWithSms({ phone, smsCode, password: newPassword }))
        if (r.ok) this.enter(r.result)
        return
      }
      const r = await run(this, () => auth.logInWithSms({ phone, smsCode }))
      if (r.ok) this.enter(r.result)
    },

    async onPasswordLogin() {
      const { login, password, captchaId, captchaAnswer } = this.data
      if (!login || !password) {
        this.setData({ error: '请输入手机号（或用户名）和密码' })
        return
      }
      const r = await run(this, () => auth.logInWithPassword({ login, password, captchaId, captchaAnswer }))
      if (r.ok) {
        this.enter(r.result)
        return
      }
      if (
        ['CAPTCHA_REQUIRED', 'CAPTCHA_INVALID', 'INVALID_CREDENTIALS'].includes(r.error.code) &&
        (captchaId || r.error.code === 'CAPTCHA_REQUIRED')
      ) {
        await this.loadCaptcha()
      }
    },

    async loadCaptcha() {
      const r = await run(this, () => auth.captcha(), { key: 'captchaLoading', errorKey: 'captchaError' })
      if (r.ok) this.setData({ captchaId: r.result.captcha_id, captchaImage: r.result.image, captchaAnswer: '' })
    },

    goReset() {
      wx.navigateTo({ url: '/pages/login/reset' })
    },

    enter(user) {
      wx.reLaunch({ url: homeFor(user) })
    },
  },
})
