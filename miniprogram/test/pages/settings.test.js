const { loadPage, installFakeWx, settle, text } = require('../support/load-page')

const SESSIONS = {
  items: [
    {
      id: 's1',
      user_agent: 'Mozilla/5.0 (iPhone) MicroMessenger miniProgram',
      ip: '1.2.3.4',
      created_at: '2026-06-01T02:00:00Z',
      last_used_at: '2026-06-01T02:00:00Z',
      current: true,
    },
    {
      id: 's2',
      user_agent: 'Mozilla/5.0 (Linux; Android 14)',
      ip: '5.6.7.8',
      created_at: '2026-06-01T01:00:00Z',
      last_used_at: '2026-06-01T01:00:00Z',
      current: false,
    },
    {
      id: 's3',
      user_agent: 'okhttp',
      ip: '9.9.9.9',
      created_at: '2026-06-01T01:00:00Z',
      last_used_at: '2026-06-01T01:00:00Z',
      current: false,
    },
  ],
}

test('sessions: list with this device marked; end one; end all others', async () => {
  const fake = installFakeWx()
  fake.signIn()
  fake.route('GET', '/me/sessions', SESSIONS)
  fake.route('DELETE', '/me/sessions/s2', { ok: true })
  fake.route('DELETE', '/me/sessions', { ended: 1 })
  const { page, comp } = await loadPage('pages/settings/sessions', { fake })
  expect(text(comp)).toContain('本机')
  expect(text(comp)).toContain('Android 手机')
  // the app's own HTTP client is named as the app, never "okhttp"
  expect(page.data.items.map((s) => s.device)).toEqual(['医师服务小程序 · iPhone', 'Android 手机', '医师服务 App'])
  expect(text(comp)).not.toContain('okhttp')
  await page.onEnd({ currentTarget: { dataset: { id: 's2' } } })
  await settle()
  expect(page.data.items.map((s) => s.id)).toEqual(['s1', 's3'])
  await page.onEndOthers()
  await settle()
  expect(page.data.items.map((s) => s.id)).toEqual(['s1'])
  expect(fake.calls).toContainEqual(['toast', '已退出 1 台设备'])
})

test('password: mismatch caught here; wrong old password shows the server reason; success stores new tokens', async () => {
  const fake = installFakeWx()
  fake.signIn()
  const { page, comp } = await loadPage('pages/settings/password', { fake })
  page.setData({ oldPassword: 'a', newPassword: 'Xin-Mima-2026', confirmPassword: 'other' })
  await page.onSubmit()
  await settle()
  expect(text(comp)).toContain('两次输入的新密码不一致')
  expect(fake.requests).toHaveLength(0)

  fake.route('POST', '/me/password', fake.error(400, 'OLD_PASSWORD_WRONG', '原密码不正确'))
  page.setData({ confirmPassword: 'Xin-Mima-2026' })
  await page.onSubmit()
  await settle()
  expect(text(comp)).toContain('原密码不正确')

  fake.route('POST', '/me/password', { access_token: 'at-new', refresh_token: 'rt-new', expires_in: 900 })
  await page.onSubmit()
  expect(fake.wx.getStorageSync('auth').accessToken).toBe('at-new')
  expect(fake.calls).toContainEqual(['navigateBack'])
})

test('a must-change password: after the change, on to the start page', async () => {
  const fake = installFakeWx()
  fake.signIn({ id: 1, role: 'office_reviewer', must_change_password: true })
  fake.route('POST', '/me/password', { access_token: 'at-new', refresh_token: 'rt-new', expires_in: 900 })
  const { page } = await loadPage('pages/settings/password', { fake, query: { first: '1' } })
  page.setData({ oldPassword: 'old', newPassword: 'Xin-Mima-2026', confirmPassword: 'Xin-Mima-2026' })
  await page.onSubmit()
  expect(fake.calls).toContainEqual(['reLaunch', '/pages/home/index'])
})

test('notification preferences: per kind and channel; mandatory locked; a failed save shows what is stored', async () => {
  const fake = installFakeWx()
  fake.signIn()
  const prefs = (sms) => ({
    preferences: [
      {
        kind: 'exam.scored',
        label: '测评成绩',
        channels: [
          { channel: 'inbox', enabled: true, mandatory: true },
          { channel: 'sms', enabled: sms, mandatory: false },
        ],
      },
    ],
  })
  fake.route('GET', '/me/notification-preferences', prefs(false))
  let saved = null
  fake.route('PUT', '/me/notification-preferences', (req) => {
    saved = req.data
    return prefs(true)
  })
  const { page, comp } = await loadPage('pages/settings/notifications', { fake })
  expect(text(comp)).toContain('测评成绩')
  expect(text(comp)).toContain('站内消息（必需）')
  await page.onToggle({ currentTarget: { dataset: { kind: 'exam.scored', channel: 'sms' } }, detail: { value: true } })
  expect(saved).toEqual({ preferences: [{ kind: 'exam.scored', channel: 'sms', enabled: true }] })
  expect(page.data.kinds[0].channels[1].enabled).toBe(true)

  fake.route(
    'PUT',
    '/me/notification-preferences',
    fake.error(503, 'SERVICE_UNAVAILABLE', '服务暂时不可用，请稍后再试'),
  )
  await page.onToggle({ currentTarget: { dataset: { kind: 'exam.scored', channel: 'sms' } }, detail: { value: false } })
  await settle()
  expect(page.data.kinds[0].channels[1].enabled).toBe(true)
  expect(text(comp)).toContain('服务暂时不可用')
})

test('inbox: unread count, open marks read, read all, delete, load more by cursor', async () => {
  const fake = installFakeWx()
  fake.signIn()
  fake.route('GET', '/inbox', (req) =>
    req.query.cursor === 'aWQ6Mg'
      ? {
          items: [
            { id: 1, title: '旧消息', body: '……', created_at: '2026-05-01T00:00:00Z', read_at: '2026-05-02T00:00:00Z' },
          ],
          next_cursor: null,
        }
      : {
          items: [
            {
              id: 3,
              kind: 'review.decided',
              title: '医师信息修改已通过',
              body: '您的信息修改申请已通过',
              link: '/pages/reviews/detail?id=12',
              data: { item_id: 12, kind: 'registry_info_change', decision: 'approved' },
              created_at: '2026-06-01T02:00:00Z',
              read: false,
              read_at: null,
            },
            {
              id: 2,
              title: '考核结果通知',
              body: '您的定期考核结果：合格',
              created_at: '2026-06-01T01:00:00Z',
              read_at: null,
            },
          ],
          next_cursor: 'aWQ6Mg',
          unread: 2,
        },
  )
  fake.route('GET', '/inbox/unread-count', { unread: 2 })
  fake.route('POST', '/inbox/3/read', { id: 3, read: true, read_at: '2026-06-01T02:05:00Z' })
  fake.route('POST', '/inbox/read-all', { updated: 1 })
  fake.route('DELETE', '/inbox/2', { statusCode: 204, data: '' })
  const { page, comp } = await loadPage('pages/inbox/index', { fake })
  expect(text(comp)).toContain('2 条未读')
  await page.onOpen({ currentTarget: { dataset: { id: 3 } } })
  await settle()
  expect(text(comp)).toContain('您的信息修改申请已通过')
  expect(page.data.unread).toBe(1)
  page.onGo({ currentTarget: { dataset: { id: 3 } } })
  expect(fake.calls).toContainEqual(['navigateTo', '/registration/pages/info-change/index'])
  await page.onReachBottom()
  await settle()
  expect(page.data.items.map((m) => m.id)).toEqual([3, 2, 1])
  await page.onReadAll()
  expect(page.data.unread).toBe(0)
  // 删除 asks first: declined, nothing is sent; confirmed, the message goes
  fake.wx.showModal.mockImplementationOnce((o) => o.success({ confirm: false, cancel: true }))
  const before = fake.requests.length
  await page.onDelete({ currentTarget: { dataset: { id: 2 } } })
  await settle()
  expect(fake.requests.length).toBe(before)
  expect(page.data.items.map((m) => m.id)).toEqual([3, 2, 1])
  await page.onDelete({ currentTarget: { dataset: { id: 2 } } })
  await settle()
  expect(fake.calls).toContainEqual(['modal', '删除消息', '删除后无法恢复。'])
  expect(page.data.items.map((m) => m.id)).toEqual([3, 1])
})

test('home: each block loads on its own; a part that fails says so and the rest still shows', async () => {
  const fake = installFakeWx()
  fake.signIn()
  fake.route('GET', '/inbox/unread-count', { unread: 4 })
  fake.route('GET', '/registry/me', fake.error(503, 'SERVICE_UNAVAILABLE', '服务暂时不可用，请稍后再试'))
  fake.route('GET', '/exams', { items: [] })
  fake.route('GET', '/assessment/home', {
    bound: true,
    current_step: 'procedure',
    next_action: '选择考核程序（简易程序或一般程序）',
    province_code: '110000',
    cycle: { id: 1, name: '2024—2026年度', starts_on: '2024-01-01', ends_on: '2026-12-31' },
    windows: [
      {
        kind: 'exam',
        label: '考试',
        opens_at: '2026-06-01T00:00:00Z',
        closes_at: '2026-07-01T00:00:00Z',
        is_open: true,
      },
    ],
    assessment: null,
    previous: [],
  })
  const { page, comp } = await loadPage('pages/home/index', { fake })
  const t = text(comp)
  expect(t).toContain('4 条未读')
  expect(t).toContain('服务暂时不可用')
  expect(t).toContain('选择考核程序（简易程序或一般程序）')
  expect(t).toContain('2024—2026年度')
  expect(t).toContain('考试')
  expect(t).toContain('2026-06-01 08:00 至 2026-07-01 08:00')
  page.goNext()
  expect(fake.calls).toContainEqual(['navigateTo', '/assessment/pages/procedure/index'])
  expect(fake.wx.setTabBarBadge).toHaveBeenCalledWith({ index: 1, text: '4' })
})

test('home without a session goes to log-in', async () => {
  const fake = installFakeWx()
  await loadPage('pages/home/index', { fake })
  expect(fake.calls).toContainEqual(['reLaunch', '/pages/login/index'])
})

test('home shows the registration state from the registry', async () => {
  const fake = installFakeWx()
  fake.signIn()
  fake.route('GET', '/inbox/unread-count', { unread: 0 })
  fake.route('GET', '/assessment/home', {
    bound: false,
    current_step: 'binding',
    next_action: '绑定定期考核账号',
    windows: [],
  })
  fake.route('GET', '/registry/me', {
    account_status: 'active',
    activated_via: 'code',
    name: '张*',
    phone: '138****0001',
    qualifications: [],
    registration: { id: 1, status: 'active', main_institution_name: '东城区示范医院', practice_scopes: ['内科专业'] },
    registrations: [],
    multi_site_filings: [],
  })
  const { comp } = await loadPage('pages/home/index', { fake })
  const t = text(comp)
  expect(t).toContain('已激活')
  expect(t).toContain('执业注册有效')
  expect(t).toContain('东城区示范医院')
  expect(t).toContain('下一步绑定定期考核账号')
})

test('phone change: a code to each phone (signed in), then both codes and the new phone; the server reason shown', async () => {
  const fake = installFakeWx()
  fake.signIn()
  const sent = []
  fake.route('POST', '/auth/sms-codes', (req) => {
    sent.push({ ...req.data, auth: req.header.Authorization })
    return { statusCode: 202, data: { accepted: true, message: '如该手机号符合条件，验证码将很快送达' } }
  })
  let attempt = 0
  fake.route('POST', '/me/phone', (req) => {
    attempt += 1
    if (attempt === 1) return fake.error(400, 'SMS_CODE_INVALID', '验证码错误或已过期', { field: 'old_code' })
    expect(req.data).toEqual({ old_code: '111111', new_phone: '13922223333', new_code: '222222' })
    return { ok: true }
  })
  const { page, comp } = await loadPage('pages/settings/phone', { fake })
  const input = (field, value) => page.onInput({ currentTarget: { dataset: { field } }, detail: { value } })
  input('oldPhone', '13800000001')
  await page.onSendOld()
  input('newPhone', '13922223333')
  await page.onSendNew()
  expect(sent).toEqual([
    { phone: '13800000001', purpose: 'change_phone', auth: 'Bearer at-1' },
    { phone: '13922223333', purpose: 'change_phone', auth: 'Bearer at-1' },
  ])
  await page.onSubmit()
  await settle()
  expect(text(comp)).toContain('请填写两个 6 位验证码和新手机号')
  input('oldCode', '111111')
  input('newCode', '222222')
  await page.onSubmit()
  await settle()
  expect(text(comp)).toContain('验证码错误或已过期')
  await page.onSubmit()
  expect(fake.calls).toContainEqual(['navigateBack'])
})
