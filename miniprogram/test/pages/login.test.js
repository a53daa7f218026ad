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

test('password log-in: a reviewer goes to the workbench (home); a must-change password goes to the password page', async () => {
  const fake = installFakeWx()
  fake.route('POST', '/auth/login', (req) => {
    expect(req.data).toEqual({ login: 'dc_hospital', password: 'pw' })
    return TOKENS
  })
  fake.route('GET', '/me', { ...ME, role: 'institution_reviewer' })
  const { page } = await loadPage('pages/login/index', { fake })
  page.setData({ mode: 'password', login: 'dc_hospital', password: 'pw' })
  await page.onPasswordLogin()
  expect(fake.calls).toContainEqual(['reLaunch', '/pages/home/index'])

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

test('忘记密码 on the log-in page leads to three ways back, each saying what it needs', async () => {
  const fake = installFakeWx()
  const { page, comp } = await loadPage('pages/login/index', { fake })
  page.setData({ mode: 'password' })
  await settle()
  expect(text(comp)).toContain('忘记密码')
  expect(comp.querySelector('#forgot')).toBeTruthy()
  page.goReset()
  expect(fake.calls).toContainEqual(['navigateTo', '/pages/login/recover'])

  const chooser = await loadPage('pages/login/recover', { fake })
  const t = text(chooser.comp)
  expect(t).toContain('通过手机短信找回')
  expect(t).toContain('需要：注册时绑定的手机号')
  expect(t).toContain('通过安全邮箱找回')
  expect(t).toContain('通过个人信息找回')
  expect(t).toContain('医师资格证书编码')
  ;['sms', 'email', 'info'].forEach((key) => chooser.page.onWay({ currentTarget: { dataset: { key } } }))
  expect(fake.calls.filter((c) => c[0] === 'navigateTo').map((c) => c[1])).toEqual([
    '/pages/login/recover',
    '/pages/login/reset',
    '/pages/login/reset-email',
    '/pages/login/recover-info',
  ])
})

test('password log-in with an ID number or a qualification certificate number: checked here, sent as the login', async () => {
  const fake = installFakeWx()
  const bodies = []
  fake.route('POST', '/auth/login', (req) => {
    bodies.push(req.data)
    return TOKENS
  })
  fake.route('GET', '/me', ME)
  const { page, comp } = await loadPage('pages/login/index', { fake })
  page.setData({ mode: 'password' })
  page.onLoginBy({ currentTarget: { dataset: { by: 'id_number' } } })
  await settle()
  expect(text(comp)).toContain('身份证号')
  page.setData({ login: '110101199003070012', password: 'pw' })
  await page.onPasswordLogin()
  await settle()
  expect(text(comp)).toContain('身份证号码格式或校验位不正确')
  expect(bodies).toHaveLength(0)
  page.setData({ login: '11010519491231002x' })
  await page.onPasswordLogin()
  expect(bodies[0]).toEqual({ login: '11010519491231002X', password: 'pw' })

  page.onLoginBy({ currentTarget: { dataset: { by: 'cert_no' } } })
  page.setData({ login: '12ab', password: 'pw' })
  await page.onPasswordLogin()
  await settle()
  expect(page.data.error).toBe('医师资格证书编码应为 15 位以上数字')
  page.setData({ login: '201011010100001' })
  await page.onPasswordLogin()
  expect(bodies[1]).toEqual({ login: '201011010100001', password: 'pw' })
  expect(fake.calls).toContainEqual(['reLaunch', '/pages/home/index'])
})

test('reset by the security e-mail: the same answer whether bound or not, then a new password', async () => {
  const fake = installFakeWx()
  fake.route('POST', '/auth/email-codes', {
    statusCode: 202,
    data: { accepted: true, message: '如该邮箱已绑定，验证码将很快送达' },
  })
  let body = null
  fake.route('POST', '/auth/password/reset/email', (req) => {
    body = req.data
    return req.data.code === '000000' ? fake.error(400, 'SMS_CODE_INVALID', '验证码错误或已过期') : { ok: true }
  })
  const { page, comp } = await loadPage('pages/login/reset-email', { fake })
  expect(text(comp)).toContain('需要：已在“我的 › 安全邮箱”中验证过的邮箱')
  page.setData({ email: 'not-an-email' })
  await page.onSendCode()
  await settle()
  expect(text(comp)).toContain('请输入正确的邮箱地址')
  expect(fake.requests).toHaveLength(0)
  page.setData({ email: 'chen@example.com' })
  await page.onSendCode()
  await settle()
  expect(fake.requests[0].data).toEqual({ email: 'chen@example.com' })
  expect(text(comp)).toContain('如该邮箱已绑定，验证码将很快送达')
  page.setData({ code: '000000', newPassword: 'Xin-Mima-2026', confirmPassword: 'Xin-Mima-2026' })
  await page.onSubmit()
  await settle()
  expect(text(comp)).toContain('验证码错误或已过期')
  page.setData({ code: '123456' })
  await page.onSubmit()
  expect(body).toEqual({ email: 'chen@example.com', code: '123456', new_password: 'Xin-Mima-2026' })
  expect(fake.calls).toContainEqual(['reLaunch', '/pages/login/index'])
})

test('recovery by personal information: every document type, errors beside their field, then the new phone', async () => {
  const fake = installFakeWx()
  const bodies = []
  fake.route('POST', '/registry/recovery/code', (req) => {
    bodies.push(req.data)
    return req.data.name === '李四'
      ? fake.error(404, 'RECOVERY_NOT_MATCHED', '填写的个人信息与账户不符，请核对姓名、证件号码和医师资格证书编码')
      : { statusCode: 202, data: { accepted: true, message: '验证码已发送到新手机号' } }
  })
  fake.route('POST', '/registry/recovery', (req) => {
    bodies.push(req.data)
    return { ok: true, phone: '151****0658', username: null }
  })
  const { page, comp } = await loadPage('pages/login/recover-info', { fake })
  // five document types (the registry's; from /lookups/document-types where the server has it)
  expect(page.data.docTypes.map((d) => d.code)).toEqual([
    'resident_id',
    'passport',
    'hk_macao_permit',
    'taiwan_permit',
    'military_id',
  ])
  expect(text(comp)).toContain('港澳居民来往内地通行证')
  page.setData({ name: '陈晨', idNumber: 'X123', qualificationCertNo: '201011010100001', newPhone: '15100000658' })
  await page.onSendCode()
  await settle()
  expect(page.data.errorField).toBe('idNumber')
  expect(text(comp)).toContain('身份证号码格式或校验位不正确')
  expect(bodies).toHaveLength(0)

  page.onType({ currentTarget: { dataset: { code: 'hk_macao_permit' } } })
  page.setData({ idNumber: 'h12345678', name: '李四' })
  await page.onSendCode()
  await settle()
  expect(bodies[0]).toEqual({
    name: '李四',
    id_type: 'hk_macao_permit',
    id_number: 'H12345678',
    qualification_cert_no: '201011010100001',
    new_phone: '15100000658',
  })
  expect(text(comp)).toContain('填写的个人信息与账户不符')
  page.setData({ name: '陈晨' })
  await page.onSendCode()
  await settle()
  expect(page.data.sent).toBe(true)
  await page.onSubmit()
  await settle()
  expect(page.data.errorField).toBe('smsCode')
  page.setData({ smsCode: '123456' })
  await page.onSubmit()
  await settle()
  expect(bodies[2]).toMatchObject({ id_type: 'hk_macao_permit', sms_code: '123456' })
  expect(text(comp)).toContain('151****0658')
  page.goReset()
  expect(fake.calls).toContainEqual(['redirectTo', '/pages/login/reset'])
})
