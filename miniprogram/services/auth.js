/** Log-in and sign-up: WeChat (wx.login → code-to-session), phone quick verification, SMS code, password. */
const http = require('../utils/request')
const store = require('../utils/auth-store')
const { clientError } = require('../utils/errors')

const PATHS = {
  wechatLogin: '/auth/wechat/login',
  wechatRegister: '/auth/wechat/register',
  smsCodes: '/auth/sms-codes',
  register: '/auth/register',
  login: '/auth/login',
  smsLogin: '/auth/login/sms',
  captcha: '/auth/captcha',
  logout: '/auth/logout',
  resetPassword: '/auth/password/reset',
  emailCodes: '/auth/email-codes',
  emailReset: '/auth/password/reset/email',
  agreements: '/auth/agreements',
  me: '/me',
}

// The user agreement and privacy policy the pages show; the server records which versions were accepted and
// refuses an old one (AGREEMENT_OUTDATED), so registration sends the versions GET /auth/agreements names.
// These are only the fallback when that call fails (the server's defaults).
const AGREEMENT_VERSION = '2026.1'
const PRIVACY_VERSION = '2026.1'

/** {agreement_version, privacy_version}: the current versions a new account accepts. */
async function agreements() {
  try {
    const res = await http.get(PATHS.agreements, null, { auth: false })
    if (res && res.agreement_version && res.privacy_version) return res
  } catch (err) {
    if (!err.offline && err.status !== 404) throw err
  }
  return { agreement_version: AGREEMENT_VERSION, privacy_version: PRIVACY_VERSION }
}

function wxLogin() {
  return new Promise((resolve, reject) => {
    wx.login({
      success: (res) => (res.code ? resolve(res.code) : reject(clientError('WECHAT_LOGIN_FAILED'))),
      fail: () => reject(clientError('WECHAT_LOGIN_FAILED')),
    })
  })
}

async function signedIn(tokens) {
  store.setTokens(tokens)
  const me = await http.get(PATHS.me)
  store.setUser(me)
  return me
}

/**
 * wx.login, then the server trades the code for the openid. Bound: signed in ({user}).
 * Not bound: {needsBinding: true, ticket} for wechatRegister (phone quick verification) or SMS sign-up.
 */
async function logInWithWechat() {
  const code = await wxLogin()
  const res = await http.post(PATHS.wechatLogin, { code }, { auth: false })
  if (res.needs_binding) return { needsBinding: true, ticket: res.wechat_ticket }
  return { needsBinding: false, user: await signedIn(res) }
}

/** The phone code comes from <button open-type="getPhoneNumber"> (event.detail.code). */
async function registerWithWechatPhone({ ticket, phoneCode, password = null }) {
  const body = {
    wechat_ticket: ticket,
    phone_code: phoneCode,
    ...(await agreements()),
  }
  if (password) body.password = password
  return signedIn(await http.post(PATHS.wechatRegister, body, { auth: false }))
}

function sendSmsCode({ phone, purpose }) {
  return http.post(PATHS.smsCodes, { phone, purpose }, { auth: purpose === 'change_phone' })
}

async function registerWithSms({ phone, smsCode, password }) {
  const body = {
    phone,
    sms_code: smsCode,
    password,
    ...(await agreements()),
  }
  return signedIn(await http.post(PATHS.register, body, { auth: false }))
}

async function logInWithSms({ phone, smsCode }) {
  return signedIn(await http.post(PATHS.smsLogin, { phone, sms_code: smsCode }, { auth: false }))
}

async function logInWithPassword({ login, password, captchaId = null, captchaAnswer = null }) {
  const body = { login, password }
  if (captchaId) {
    body.captcha_id = captchaId
    body.captcha_answer = captchaAnswer
  }
  return signedIn(await http.post(PATHS.login, body, { auth: false }))
}

/** {captcha_id, image (data: URL)} after too many failures (CAPTCHA_REQUIRED). */
function captcha() {
  return http.get(PATHS.captcha, null, { auth: false })
}

function resetPassword({ phone, smsCode, newPassword }) {
  return http.post(PATHS.resetPassword, { phone, sms_code: smsCode, new_password: newPassword }, { auth: false })
}

/** A code to the security e-mail (the answer is the same whether or not the address is bound). */
function sendEmailCode({ email }) {
  return http.post(PATHS.emailCodes, { email }, { auth: false })
}

function resetPasswordByEmail({ email, code, newPassword }) {
  return http.post(PATHS.emailReset, { email, code, new_password: newPassword }, { auth: false })
}

async function loadMe() {
  const me = await http.get(PATHS.me)
  store.setUser(me)
  return me
}

async function logOut() {
  try {
    await http.post(PATHS.logout, {})
  } finally {
    store.clear()
  }
}

module.exports = {
  PATHS,
  AGREEMENT_VERSION,
  PRIVACY_VERSION,
  agreements,
  logInWithWechat,
  registerWithWechatPhone,
  sendSmsCode,
  registerWithSms,
  logInWithSms,
  logInWithPassword,
  captcha,
  resetPassword,
  sendEmailCode,
  resetPasswordByEmail,
  loadMe,
  logOut,
}
