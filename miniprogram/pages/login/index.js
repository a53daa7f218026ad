/**
 * Log-in and sign-up, three ways: WeChat (wx.login; an unknown WeChat user signs up with phone-number quick
 * verification, or with an SMS code when they decline), SMS code, password (with a captcha after failures).
 */
const auth = require('../../services/auth')
const { run, toast } = require('../../utils/ui')
const { formMethods, homeFor } = require('../../utils/page')
const { idNumberValid, certNoValid, normalise } = require('../../utils/identity')

const PHONE = /^1[3-9]\d{9}$/
const RESEND_S = 60

// What a physician may log in with by password: the identifiers the legacy systems let them use.
const LOGIN_BY = [
  { key: 'phone', label: '手机号', placeholder: '手机号或用户名', type: 'text', maxlength: 32 },
  { key: 'id_number', label: '身份证号', placeholder: '18 位居民身份证号码', type: 'idcard', maxlength: 18 },
  { key: 'cert_no', label: '资格证书编码', placeholder: '医师资格证书编码', type: 'number', maxlength: 27 },
]

/** '' when the identifier fits the chosen kind, else what is wrong (checked before the request). */
function loginProblem(by, login) {
  if (!login) return `请输入${LOGIN_BY.find((b) => b.key === by).label}`
  if (by === 'id_number' && !idNumberValid(login)) return '身份证号码格式或校验位不正确'
  if (by === 'cert_no' && !certNoValid(login)) return '医师资格证书编码应为 15 位以上数字'
  return ''
}

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
    loginByOptions: LOGIN_BY,
    loginBy: 'phone',
    loginMeta: LOGIN_BY[0],
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

    onLoginBy(e) {
      const by = e.currentTarget.dataset.by
      this.setData({ loginBy: by, loginMeta: LOGIN_BY.find((b) => b.key === by), login: '', error: '' })
    },

    async onPasswordLogin() {
      const { loginBy, password, captchaId, captchaAnswer } = this.data
      const login = loginBy === 'phone' ? this.data.login.trim() : normalise(this.data.login)
      const problem = loginProblem(loginBy, login) || (password ? '' : '请输入密码')
      if (problem) {
        this.setData({ error: problem })
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
      wx.navigateTo({ url: '/pages/login/recover' })
    },

    enter(user) {
      wx.reLaunch({ url: homeFor(user) })
    },
  },
})
