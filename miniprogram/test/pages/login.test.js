const { loadPage, installFakeWx, settle, text } = require('../support/load-page')

const TOKENS = {
  access_token: 'at-1',
  refresh_token: 'rt-1',
  token_type: 'Bearer',
  expires_in: 900,
  must_change_password: false,
}
const ME = {
  id: 7,
  phone: '139****0001',
  role: 'physician',
  real_name: '张三',
  must_change_password: false,
  wechat_bound: true,
}

function agree(page) {
  page.onAgree({ detail: { value: ['yes'] } })
}

test('WeChat log-in of a bound user goes home', async () => {
  const fake = installFakeWx()
  fake.route('POST', '/auth/wechat/login', (req) => {
    expect(req.data).toEqual({ code: 'wx-code-1' })
    return { needs_binding: false, ...TOKENS }
  })
  fake.route('GET', '/me', ME)
  const { page } = await loadPage('pages/login/index', { fake })
  agree(page)
  await page.onWechatLogin()
  expect(fake.calls).toContainEqual(['reLaunch', '/pages/home/index'])
  expect(fake.wx.getStorageSync('auth').accessToken).toBe('at-1')
})

test('WeChat log-in needs the agreement first', async () => {
  const fake = installFakeWx()
  const { page, comp } = await loadPage('pages/login/index', { fake })
  await page.onWechatLogin()
  expect(fake.wx.login).not.toHaveBeenCalled()
  await settle()
  expect(text(comp)).toContain('请先阅读并同意用户协议和隐私政策')
})

test('unknown WeChat user signs up with phone quick verification; declining falls back to SMS', async () => {
  const fake = installFakeWx()
  fake.route('POST', '/auth/wechat/login', { needs_binding: true, wechat_ticket: 'tk-1' })
  fake.route('POST', '/auth/wechat/register', (req) => {
    expect(req.data).toMatchObject({ wechat_ticket: 'tk-1', phone_code: 'pc-1' })
    expect(req.data.agreement_version).toBeTruthy()
    return TOKENS
  })
  fake.route('GET', '/me', ME)
  const { page, comp } = await loadPage('pages/login/index', { fake })
  agree(page)
  await page.onWechatLogin()
  await settle()
  expect(page.data.needsBinding).toBe(true)
  expect(text(comp)).toContain('手机号快速验证')

  await page.onGetPhoneNumber({ detail: { errMsg: 'getPhoneNumber:fail user deny' } })
  await settle()
  expect(page.data.mode).toBe('sms')
  expect(page.data.smsPurpose).toBe('register')
  expect(text(comp)).toContain('短信验证码注册')

  await page.onGetPhoneNumber({ detail: { code: 'pc-1' } })
  expect(fake.calls).toContainEqual(['reLaunch', '/pages/home/index'])
})

test('SMS log-in: code sent, resend timer running, server refusal shown in Chinese', async () => {
  jest.useFakeTimers()
  const fake = installFakeWx()
  fake.route('POST', '/auth/sms-codes', { statusCode: 202, data: { accepted: true } })
  fake.route(
    'POST',
    '/auth/login/sms',
    fake.error(400, 'SMS_CODE_INVALID', '验证码错误或已过期', { field: 'sms_code' }),
  )
  const { page, comp } = await loadPage('pages/login/index', { fake })
  page.switchMode({ currentTarget: { dataset: { mode: 'sms' } } })
  page.onInput({ currentTarget: { dataset: { field: 'phone' } }, detail: { value: '13911110001' } })
  await page.onSendSms()
  expect(fake.requests.find((r) => r.path === '/auth/sms-codes').data).toEqual({
    phone: '13911110001',
    purpose: 'login',
  })
  expect(page.data.resendIn).toBe(60)
  jest.advanceTimersByTime(3000)
  expect(page.data.resendIn).toBe(57)

  page.onInput({ currentTarget: { dataset: { field: 'smsCode' } }, detail: { value: '123456' } })
  await page.onSmsSubmit()
  await settle()
  expect(page.data.error).toBe('验证码错误或已过期')
  expect(text(comp)).toContain('验证码错误或已过期')
  expect(fake.wx.getStorageSync('auth')).toBe('')
  page.onUnload()
  jest.useRealTimers()
})

test('password log-in: reviewer goes to the queue; a must-change password goes to the password page', async () => {
  const fake = installFakeWx()
  fake.route('POST', '/auth/login', (req) => {
    expect(req.data).toEqual({ login: 'dc_hospital', password: 'pw' })
    return TOKENS
  })
  fake.route('GET', '/me', { ...ME, role: 'institution_reviewer' })
  const { page } = await loadPage('pages/login/index', { fake })
  page.setData({ mode: 'password', login: 'dc_hospital', password: 'pw' })
  await page.onPasswordLogin()
  expect(fake.calls).toContainEqual(['reLaunch', '/reviewer/pages/queue/index'])

  fake.route('GET', '/me', { ...ME, must_change_password: true })
  await page.onPasswordLogin()
  expect(fake.calls).toContainEqual(['reLaunch', '/pages/settings/password?first=1'])
})

test('password log-in asks for a captcha when the server requires one', async () => {
  const fake = installFakeWx()
  fake.route('POST', '/auth/login', fake.error(401, 'CAPTCHA_REQUIRED', '请输入图形验证码'))
  fake.route('GET', '/auth/captcha', { captcha_id: 'c1', image: 'data:image/png;base64,AAAA' })
  const { page, comp } = await loadPage('pages/login/index', { fake })
  page.setData({ mode: 'password', login: '13800000001', password: 'x' })
  await page.onPasswordLogin()
  await settle()
  expect(page.data.captchaId).toBe('c1')
  expect(page.data.error).toBe('请输入图形验证码')
  expect(comp.querySelector('#pw-captcha')).toBeTruthy()
  // A 401 on log-in is a refusal, not an expired session: no refresh, no sign-out redirect.
  expect(fake.requests.filter((r) => r.path === '/auth/refresh')).toHaveLength(0)
})

test('forgotten password: SMS code and a new password, no call to the institution', async () => {
  const fake = installFakeWx()
  fake.route('POST', '/auth/sms-codes', { statusCode: 202, data: { accepted: true } })
  let body = null
  fake.route('POST', '/auth/password/reset', (req) => {
    body = req.data
    return { ok: true }
  })
  const { page, comp } = await loadPage('pages/login/reset', { fake })
  page.setData({ phone: '13800000001' })
  await page.onSendSms()
  expect(fake.requests[0].data).toEqual({ phone: '13800000001', purpose: 'reset_password' })
  page.setData({ smsCode: '123456', newPassword: 'Xin-Mima-2026', confirmPassword: 'Xin-Mima-2027' })
  await page.onSubmit()
  await settle()
  expect(text(comp)).toContain('两次输入的新密码不一致')
  page.setData({ confirmPassword: 'Xin-Mima-2026' })
  await page.onSubmit()
  expect(body).toEqual({ phone: '13800000001', sms_code: '123456', new_password: 'Xin-Mima-2026' })
  expect(fake.calls).toContainEqual(['navigateBack'])
})
