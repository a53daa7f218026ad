const { loadPage, installFakeWx, settle, text } = require('../support/load-page')
const { STAFF, ADMIN } = require('../support/fixtures-staff')

const OFFICE = { id: 22, role: 'office_reviewer', username: 'bj_office', phone: null }
const FORBIDDEN = ['ROLE_FORBIDDEN', '当前账号无权使用此功能']

function issued(staff) {
  return { staff, one_time_password: 'Abc7Def8Ghj9', expires_at: '2026-06-04T09:00:00+08:00' }
}

test('list: names, roles and scopes in words; search and filters go to the server; 新建账号', async () => {
  const fake = installFakeWx()
  fake.signIn(ADMIN)
  const queries = []
  fake.route('GET', '/staff', (req) => {
    queries.push(req.query)
    return { items: STAFF, next_cursor: null }
  })
  const { page, comp } = await loadPage('staff/pages/list/index', { fake })
  const t = text(comp)
  expect(t).toContain('王主任')
  expect(t).toContain('dc-hospital')
  expect(t).toContain('医疗机构')
  expect(t).toContain('东城区示范医院')
  expect(t).toContain('考核机构')
  expect(t).toContain('北京市朝阳区')
  expect(t).toContain('已停用')
  expect(t).toContain('待首次登录')
  expect(t).not.toMatch(/110101|110000|institution_reviewer/)

  page.onSearchChange({ detail: { value: ' 王 ' } })
  await page.onSearch()
  expect(queries[queries.length - 1]).toMatchObject({ q: '王' })
  await page.onRole({ currentTarget: { dataset: { key: 'office_reviewer' } } })
  await page.onStatus({ currentTarget: { dataset: { key: 'disabled' } } })
  expect(queries[queries.length - 1]).toMatchObject({ q: '王', role: 'office_reviewer', is_active: 'false' })
  page.onNew()
  page.onOpen({ currentTarget: { dataset: { id: 22 } } })
  expect(fake.calls).toContainEqual(['navigateTo', '/staff/pages/edit/index'])
  expect(fake.calls).toContainEqual(['navigateTo', '/staff/pages/detail/index?id=22'])
})

test('list: pages on with the cursor', async () => {
  const fake = installFakeWx()
  fake.signIn(ADMIN)
  fake.route('GET', '/staff', (req) =>
    req.query.cursor === '22'
      ? { items: [STAFF[2]], next_cursor: null }
      : { items: STAFF.slice(0, 2), next_cursor: 22 },
  )
  const { page } = await loadPage('staff/pages/list/index', { fake })
  expect(page.data.items).toHaveLength(2)
  await page.loadMore()
  expect(page.data.items.map((s) => s.id)).toEqual([21, 22, 23])
  expect(page.data.nextCursor).toBeNull()
})

test('list: a role that manages no staff sees the server refusal and no data', async () => {
  const fake = installFakeWx()
  fake.signIn({ id: 9, role: 'institution_reviewer', username: 'dc_hospital' })
  fake.route('GET', '/staff', fake.error(403, ...FORBIDDEN))
  const { page, comp } = await loadPage('staff/pages/list/index', { fake })
  expect(text(comp)).toContain('当前账号无权使用此功能')
  expect(page.data.items).toEqual([])
  expect(text(comp)).not.toContain('新建账号')
})

test('edit: an office may create office accounts only; a region is required; the one-time password shown once', async () => {
  const fake = installFakeWx()
  fake.signIn(OFFICE)
  const bodies = []
  fake.route('POST', '/staff', (req) => {
    bodies.push(req.data)
    return { statusCode: 201, data: issued({ ...STAFF[1], id: 30, username: 'bj_office2' }) }
  })
  const { page, comp } = await loadPage('staff/pages/edit/index', { fake })
  expect(page.data.roles.map((r) => r.title)).toEqual(['考核机构'])
  expect(text(comp)).not.toContain('平台管理员')

  page.onInput({ currentTarget: { dataset: { field: 'username' } }, detail: { value: 'bj_office2' } })
  page.onInput({ currentTarget: { dataset: { field: 'realName' } }, detail: { value: '孙考核' } })
  await page.onSubmit()
  await settle()
  expect(text(comp)).toContain('请选择辖区')
  expect(bodies).toHaveLength(0)

  page.onRegion({ detail: { code: '110105', name: '北京市朝阳区' } })
  await page.onSubmit()
  await settle()
  expect(bodies).toEqual([
    { username: 'bj_office2', role: 'office_reviewer', real_name: '孙考核', region_code: '110105' },
  ])
  expect(page.data.showPassword).toBe(true)
  const t = text(comp)
  expect(t).toContain('Abc7Def8Ghj9')
  expect(t).toContain('首次登录后须立即修改密码')
  expect(t).toContain('2026-06-04 09:00')
  page.onPasswordClosed()
  expect(page.data.issued).toBeNull()
  expect(fake.calls).toContainEqual(['redirectTo', '/staff/pages/detail/index?id=30'])
})

test('edit: the server refusing a region out of scope is shown as it says, sent once', async () => {
  const fake = installFakeWx()
  fake.signIn(OFFICE)
  let sent = 0
  fake.route('POST', '/staff', () => {
    sent += 1
    return fake.error(403, 'STAFF_SCOPE_FORBIDDEN', '只能管理本辖区内的工作人员账号', { field: 'region_code' })
  })
  const { page, comp } = await loadPage('staff/pages/edit/index', { fake })
  page.onInput({ currentTarget: { dataset: { field: 'username' } }, detail: { value: 'hb_office' } })
  page.onInput({ currentTarget: { dataset: { field: 'realName' } }, detail: { value: '钱考核' } })
  page.onRegion({ detail: { code: '130000', name: '河北省' } })
  await page.onSubmit()
  await settle()
  expect(sent).toBe(1)
  expect(text(comp)).toContain('只能管理本辖区内的工作人员账号')
  expect(page.data.showPassword).toBe(false)
})

test('edit: an administrator creates an institution account with the institution picked', async () => {
  const fake = installFakeWx()
  fake.signIn(ADMIN)
  let body = null
  fake.route('POST', '/staff', (req) => {
    body = req.data
    return { statusCode: 201, data: issued(STAFF[0]) }
  })
  const { page } = await loadPage('staff/pages/edit/index', { fake })
  expect(page.data.roles.map((r) => r.key)).toEqual([
    'institution_reviewer',
    'office_reviewer',
    'commission_reviewer',
    'admin',
  ])
  page.onRole({ currentTarget: { dataset: { key: 'institution_reviewer' } } })
  page.onInput({ currentTarget: { dataset: { field: 'username' } }, detail: { value: 'DC_Hospital2' } })
  page.onInput({ currentTarget: { dataset: { field: 'realName' } }, detail: { value: '周主任' } })
  page.onInput({ currentTarget: { dataset: { field: 'phone' } }, detail: { value: '123' } })
  page.onInstitution({ detail: { id: 2, name: '东城区示范医院' } })
  await page.onSubmit()
  expect(page.data.errors.phone).toBe('请输入 11 位手机号，或留空')
  expect(body).toBeNull()
  page.onInput({ currentTarget: { dataset: { field: 'phone' } }, detail: { value: '13900000099' } })
  await page.onSubmit()
  await settle()
  expect(body).toEqual({
    username: 'DC_Hospital2',
    role: 'institution_reviewer',
    real_name: '周主任',
    phone: '13900000099',
    institution_id: 2,
  })
})

test('edit: a role that manages no staff is refused before anything is sent', async () => {
  const fake = installFakeWx()
  fake.signIn({ id: 9, role: 'institution_reviewer', username: 'dc_hospital' })
  const { comp } = await loadPage('staff/pages/edit/index', { fake })
  expect(text(comp)).toContain('当前账号无权管理工作人员账号')
  expect(fake.requests.filter((r) => r.method === 'POST')).toHaveLength(0)
})

test('detail: disable asks first in red; enable; reset shows the new one-time password once with copy', async () => {
  const fake = installFakeWx()
  fake.signIn(ADMIN)
  const account = { ...STAFF[0] }
  fake.route('GET', '/staff/21', account)
  const actions = []
  fake.route('POST', '/staff/21/disable', (req) => {
    actions.push(['disable', req.data])
    return { ...account, is_active: false }
  })
  fake.route('POST', '/staff/21/enable', (req) => {
    actions.push(['enable', req.data])
    return { ...account, is_active: true }
  })
  fake.route('POST', '/staff/21/password-reset', () => {
    actions.push(['reset'])
    return issued({ ...account, must_change_password: true, one_time_password_expires_at: '2026-06-04T09:00:00+08:00' })
  })
  const { page, comp } = await loadPage('staff/pages/detail/index', { fake, query: { id: '21' } })
  expect(text(comp)).toContain('东城区示范医院')
  expect(text(comp)).toContain('已由本人设置')

  await page.onDisable()
  await settle()
  expect(fake.wx.showModal).toHaveBeenCalledWith(
    expect.objectContaining({ title: '停用账号', confirmColor: '#d54941' }),
  )
  expect(actions[0][0]).toBe('disable')
  expect(actions[0][1].reason.length).toBeGreaterThanOrEqual(2)
  expect(text(comp)).toContain('已停用')
  expect(text(comp)).toContain('重新启用')

  await page.onEnable()
  await settle()
  expect(actions[1][0]).toBe('enable')
  expect(text(comp)).toContain('正常')

  await page.onReset()
  await settle()
  expect(actions[2]).toEqual(['reset'])
  expect(text(comp)).toContain('Abc7Def8Ghj9')
  expect(text(comp)).toContain('2026-06-04 09:00')
  expect(comp.querySelector('#otp')).toBeTruthy()
  expect(page.data.account.passwordText).toContain('一次性密码')
  page.onPasswordClosed()
  await settle()
  expect(text(comp)).not.toContain('Abc7Def8Ghj9')
})

test('detail: a refused action shows the server message; nothing is sent twice; a cancelled confirm sends nothing', async () => {
  const fake = installFakeWx()
  fake.signIn(ADMIN)
  fake.route('GET', '/staff/1', { ...STAFF[0], id: 1, role: 'admin', username: 'admin' })
  let sent = 0
  fake.route('POST', '/staff/1/disable', () => {
    sent += 1
    return fake.error(409, 'STAFF_SELF_CHANGE', '不能停用自己的账号')
  })
  const { page, comp } = await loadPage('staff/pages/detail/index', { fake, query: { id: '1' } })
  await page.onDisable()
  await settle()
  expect(sent).toBe(1)
  expect(text(comp)).toContain('不能停用自己的账号')

  fake.wx.showModal.mockImplementationOnce((o) => o.success({ confirm: false }))
  await page.onDisable()
  expect(sent).toBe(1)
})

test('detail: an account out of scope answers as absent', async () => {
  const fake = installFakeWx()
  fake.signIn(OFFICE)
  fake.route('GET', '/staff/21', fake.error(404, 'STAFF_NOT_FOUND', '工作人员账号不存在'))
  const { comp } = await loadPage('staff/pages/detail/index', { fake, query: { id: '21' } })
  expect(text(comp)).toContain('工作人员账号不存在')
  expect(text(comp)).not.toContain('重置密码')
})

test('detail: the wrong role is refused with the server message and no data', async () => {
  const fake = installFakeWx()
  fake.signIn({ id: 4, role: 'physician' })
  fake.route('GET', '/staff/21', fake.error(403, ...FORBIDDEN))
  const { page, comp } = await loadPage('staff/pages/detail/index', { fake, query: { id: '21' } })
  expect(text(comp)).toContain('当前账号无权使用此功能')
  expect(text(comp)).not.toContain('重置密码')
  expect(page.data.account).toBeNull()
})

test('one-time password: 复制 puts it on the clipboard', async () => {
  const fake = installFakeWx()
  fake.signIn(ADMIN)
  fake.route('GET', '/staff/21', STAFF[0])
  fake.route('POST', '/staff/21/password-reset', issued(STAFF[0]))
  const { page, comp } = await loadPage('staff/pages/detail/index', { fake, query: { id: '21' } })
  await page.onReset()
  await settle()
  const otp = comp.querySelector('#otp')
  expect(otp).toBeTruthy()
  otp.instance.onCopy()
  await settle()
  expect(fake.calls).toContainEqual(['clipboard', 'Abc7Def8Ghj9'])
  expect(text(comp)).toContain('已复制')
})

describe('home: a staff account sees its workbench by role, not the physician cards', () => {
  const cases = [
    ['institution_reviewer', ['机构工作台', '审核工作台'], '/institution/pages/index/index'],
    ['office_reviewer', ['考核机构工作台', '审核工作台', '工作人员账号'], '/office/pages/index/index'],
    ['commission_reviewer', ['卫生健康行政部门工作台', '审核工作台', '工作人员账号'], '/commission/pages/index/index'],
    ['admin', ['工作人员账号', '考核机构工作台'], '/staff/pages/list/index'],
  ]
  test.each(cases)('%s', async (role, titles, first) => {
    const fake = installFakeWx()
    fake.signIn({ id: 5, role, username: 'someone' })
    fake.route('GET', '/inbox/unread-count', { unread: 0 })
    fake.route('GET', '/reviews/queue/counts', { counts: { registry_photo: 2 }, total: 2 })
    const { page, comp } = await loadPage('pages/home/index', { fake })
    expect(page.data.workbench.map((w) => w.title)).toEqual(titles)
    expect(text(comp)).not.toContain('电子化注册')
    expect(fake.requests.map((r) => r.path)).not.toContain('/registry/me')
    page.onWorkbench({ currentTarget: { dataset: { url: page.data.workbench[0].url } } })
    expect(fake.calls).toContainEqual(['navigateTo', first])
    if (role === 'admin') expect(fake.requests.map((r) => r.path)).not.toContain('/reviews/queue/counts')
  })

  test('the reviewer count failing says so on its card', async () => {
    const fake = installFakeWx()
    fake.signIn({ id: 5, role: 'office_reviewer', username: 'bj_office' })
    fake.route('GET', '/inbox/unread-count', { unread: 0 })
    fake.route('GET', '/reviews/queue/counts', fake.error(503, 'SERVICE_UNAVAILABLE', '服务暂时不可用，请稍后重试'))
    const { comp } = await loadPage('pages/home/index', { fake })
    expect(text(comp)).toContain('服务暂时不可用，请稍后重试')
  })
})

test('a session that must change its password is sent to the forced password page, which hides the way out', async () => {
  const fake = installFakeWx()
  fake.signIn({ id: 30, role: 'office_reviewer', username: 'bj_office2', must_change_password: true })
  fake.route('GET', '/staff', fake.error(403, 'PASSWORD_CHANGE_REQUIRED', '首次登录请先修改初始密码'))
  await loadPage('staff/pages/list/index', { fake })
  expect(fake.calls).toContainEqual(['reLaunch', '/pages/settings/password?first=1'])
})

test('the forced password page: no home button; after the change, home', async () => {
  const fake = installFakeWx()
  fake.signIn({ id: 30, role: 'office_reviewer', username: 'bj_office2', must_change_password: true })
  fake.route('POST', '/me/password', { access_token: 'at-new', refresh_token: 'rt-new', expires_in: 900 })
  const { page, comp } = await loadPage('pages/settings/password', { fake, query: { first: '1' } })
  expect(fake.calls).toContainEqual(['hideHomeButton'])
  expect(text(comp)).toContain('须先设置新密码')
  page.setData({ oldPassword: 'Abc7Def8Ghj9', newPassword: 'Xin-Mima-2026', confirmPassword: 'Xin-Mima-2026' })
  await page.onSubmit()
  expect(fake.calls).toContainEqual(['reLaunch', '/pages/home/index'])
})
