const { loadPage, installFakeWx, settle, text } = require('../support/load-page')

test('reviewer pages are shown by role: home and settings of a reviewer lead to the queue', async () => {
  const fake = installFakeWx()
  fake.signIn({ id: 5, role: 'office_reviewer' })
  fake.route('GET', '/inbox/unread-count', { unread: 0 })
  fake.route('GET', '/reviews/queue/counts', { counts: { assessment_enrolment: 6 }, total: 6 })
  fake.route('GET', '/me', { id: 5, role: 'office_reviewer', username: 'bj_office', phone: null })
  const home = await loadPage('pages/home/index', { fake })
  expect(text(home.comp)).toContain('审核工作台')
  expect(home.page.data.pendingReviews).toBe(6)
  expect(text(home.comp)).toContain('6 项待审')
  expect(text(home.comp)).not.toContain('定期考核')
  expect(fake.requests.map((r) => r.path)).not.toContain('/assessment/home')

  const settings = await loadPage('pages/settings/index', { fake })
  expect(text(settings.comp)).toContain('审核工作台')
  expect(text(settings.comp)).not.toContain('我的申请')
})

test('a physician sees no reviewer entry; log-out ends the session and goes to log-in', async () => {
  const fake = installFakeWx()
  fake.signIn()
  fake.route('GET', '/me', { id: 1, role: 'physician', real_name: '张三', phone: '138****0001' })
  fake.route('POST', '/auth/logout', { ok: true })
  const { page, comp } = await loadPage('pages/settings/index', { fake })
  expect(text(comp)).toContain('张三')
  expect(text(comp)).toContain('我的申请')
  expect(text(comp)).not.toContain('审核工作台')
  await page.onLogout()
  expect(fake.requests.map((r) => r.path)).toContain('/auth/logout')
  expect(fake.wx.getStorageSync('auth')).toBe('')
  expect(fake.calls).toContainEqual(['reLaunch', '/pages/login/index'])
})

test('exams list: start goes to the face capture; the attempt in progress (known to the server) offers resume', async () => {
  const fake = installFakeWx()
  fake.signIn()
  const exam = (extra) => ({
    title: '人文医学测评',
    reason: null,
    duration_minutes: 60,
    question_count: 50,
    window_closes_at: '2026-06-30T00:00:00Z',
    is_make_up: false,
    best_score: null,
    attempt_ref: null,
    ...extra,
  })
  fake.route('GET', '/exams', {
    items: [
      exam({ exam_kind: 'humanities', status: 'available' }),
      exam({
        exam_kind: 'professional',
        title: '业务水平测评',
        status: 'in_progress',
        attempt_ref: 'att-3',
        best_score: 52,
      }),
    ],
  })
  const { page, comp } = await loadPage('exam/pages/index/index', { fake })
  expect(text(comp)).toContain('继续作答')
  expect(text(comp)).toContain('最高分：52')
  expect(text(comp)).toContain('截止 2026-06-30 08:00 · 60 分钟 · 50 题')
  expect(page.data.items.map((e) => e.canStart)).toEqual([true, false])
  page.onStart({ currentTarget: { dataset: { kind: 'humanities' } } })
  expect(fake.calls).toContainEqual(['navigateTo', '/exam/pages/capture/index?kind=humanities'])
  page.onResume()
  expect(fake.calls).toContainEqual(['navigateTo', '/exam/pages/attempt/index?ref=att-3'])
})

test('practice: answer checked at once, never timed', async () => {
  const fake = installFakeWx()
  fake.signIn()
  fake.route('GET', '/exams/practice/questions', {
    items: [
      {
        question_ref: 'p1',
        type: 'single',
        stem: '练习题一',
        options: [
          { option_id: 'a', text: 'A' },
          { option_id: 'b', text: 'B' },
        ],
      },
    ],
  })
  fake.route('POST', '/exams/practice/questions/p1/check', (req) => ({
    correct: req.data.option_ids[0] === 'b',
    correct_option_ids: ['b'],
    explanation: '依据《医师法》第二十三条',
  }))
  const { page, comp } = await loadPage('exam/pages/practice/index', { fake })
  expect(text(comp)).toContain('练习题一')
  page.onSelect({ currentTarget: { dataset: { id: 'a' } } })
  await page.onCheck()
  await settle()
  expect(text(comp)).toContain('回答错误')
  expect(text(comp)).toContain('依据《医师法》第二十三条')
})

test('assessment home: not yet bound shows the binding form; bound shows the steps up to the current one', async () => {
  const fake = installFakeWx()
  fake.signIn()
  let bound = false
  fake.route('GET', '/assessment/home', () => ({
    bound,
    current_step: bound ? 'enrolment_review' : 'binding',
    next_action: bound ? '等待单位审核报名信息' : '绑定定期考核账号',
    cycle: { id: 1, name: '2024—2026年度' },
    windows: [],
  }))
  let body = null
  fake.route('POST', '/assessment/binding', (req) => {
    body = req.data
    bound = true
    return { bound: true }
  })
  const { page, comp } = await loadPage('assessment/pages/index/index', { fake })
  expect(text(comp)).toContain('绑定定期考核账号')
  await page.onBind()
  await settle()
  // each error beside its field; the province is chosen from the list, never typed as a code
  expect(page.data.errors).toEqual({
    provinceCode: '请选择考核所在省份',
    name: '请输入姓名',
    idNumber: '请输入证件号码',
    credential: '请输入单位或考核机构发放的初始密码',
    newPassword: '请设置新的登录密码',
  })
  expect(text(comp)).not.toContain('省份代码')
  expect(body).toBe(null)
  page.onProvince({ detail: { code: '110000', name: '北京市' } })
  page.setData({ name: '张三', idNumber: '11010519491231002x', credential: 'Init-1234', newPassword: 'Xin-Mima-2026' })
  await page.onBind()
  await settle()
  expect(body).toEqual({
    province_code: '110000',
    id_number: '11010519491231002X',
    name: '张三',
    credential: 'Init-1234',
    new_password: 'Xin-Mima-2026',
  })
  expect(text(comp)).toContain('下一步：等待单位审核报名信息')
  const states = Object.fromEntries(page.data.steps.map((s) => [s.key, s.state]))
  expect(states).toMatchObject({
    user_notice: 'done',
    enrolment: 'done',
    enrolment_review: 'current',
    procedure: 'locked',
  })
})

test('user notice: shown as the server words it, accepted with the version seen, then back', async () => {
  const fake = installFakeWx()
  fake.signIn()
  const notice = {
    version: '2026.1',
    title: '医师定期考核用户告知书',
    text: '一、考核周期为三年……',
    accepted: false,
    accepted_at: null,
  }
  fake.route('GET', '/assessment/notice', notice)
  let body = null
  fake.route('POST', '/assessment/notice', (req) => {
    body = req.data
    return { ...notice, accepted: true, accepted_at: '2026-06-01T02:00:00+08:00' }
  })
  const { page, comp } = await loadPage('assessment/pages/notice/index', { fake })
  expect(text(comp)).toContain('一、考核周期为三年')
  expect(text(comp)).toContain('我已阅读并同意')
  await page.onAccept()
  expect(body).toEqual({ version: '2026.1' })
  expect(fake.calls).toContainEqual(['navigateBack'])
})

test('exam results: the attempt title, score, pass or fail, and why it ended', async () => {
  const fake = installFakeWx()
  fake.signIn()
  fake.route('GET', '/exams/results', {
    items: [
      {
        attempt_ref: 'att-2',
        exam_kind: 'professional',
        title: '业务水平测评（内科）',
        is_make_up: true,
        score: 40,
        passed: false,
        section_scores: { law: 40 },
        end_reason: 'law_gate',
        started_at: '2026-06-02T02:00:00Z',
        ended_at: '2026-06-02T02:40:00Z',
      },
      {
        attempt_ref: 'att-1',
        exam_kind: 'humanities',
        title: '人文医学测评',
        is_make_up: false,
        score: 86,
        passed: true,
        section_scores: { humanities: 86 },
        end_reason: 'submitted',
        started_at: '2026-06-01T02:00:00Z',
        ended_at: '2026-06-01T02:50:00Z',
      },
      {
        attempt_ref: 'att-0',
        exam_kind: 'humanities',
        title: '人文医学测评',
        status: 'invalidated',
        invalidation_reason: '监考照片中无人',
        is_make_up: false,
        score: 90,
        passed: true,
        section_scores: { humanities: 90 },
        end_reason: 'submitted',
        started_at: '2026-05-01T02:00:00Z',
        ended_at: '2026-05-01T02:50:00Z',
      },
    ],
  })
  const { page, comp } = await loadPage('exam/pages/results/index', { fake, query: { ref: 'att-2' } })
  expect(page.data.items.map((i) => [i.title, i.resultText, i.endText])).toEqual([
    ['业务水平测评（内科）', '不合格', '法律法规部分未通过'],
    ['人文医学测评', '合格', ''],
    ['人文医学测评', '成绩无效', ''],
  ])
  expect(text(comp)).toContain('考核机构判定本场考试无效：监考照片中无人')
  expect(text(comp)).toContain('补考')
  expect(text(comp)).toContain('86')
})

test('e-registration menu: where I stand, from the registry data', async () => {
  const fake = installFakeWx()
  fake.signIn()
  fake.route('GET', '/registry/me', {
    account_status: 'verified',
    activated_via: null,
    name: '陈晨',
    phone: '138****0004',
    qualifications: [],
    registration: { id: 4, status: 'active', main_institution_name: '东城区示范医院', practice_scopes: [] },
    registrations: [],
    multi_site_filings: [],
  })
  const { page, comp } = await loadPage('registration/pages/index/index', { fake })
  expect(text(comp)).toContain('已实名，待激活')
  expect(text(comp)).toContain('有效')
  page.onGo({ currentTarget: { dataset: { page: 'activation' } } })
  expect(fake.calls).toContainEqual(['navigateTo', '/registration/pages/activation/index'])
})

test('assessment binding with another document type: id_type sent, its shape checked first', async () => {
  const fake = installFakeWx()
  fake.signIn()
  fake.route('GET', '/assessment/home', {
    bound: false,
    current_step: 'binding',
    next_action: '绑定定期考核账号',
    cycle: null,
    windows: [],
  })
  let body = null
  fake.route('POST', '/assessment/binding', (req) => {
    body = req.data
    return { bound: true }
  })
  const { page } = await loadPage('assessment/pages/index/index', { fake })
  page.onProvince({ detail: { code: '810000', name: '香港特别行政区' } })
  page.onType({ currentTarget: { dataset: { code: 'hk_macao_permit' } } })
  page.setData({
    name: '陈大文',
    idNumber: '11010519491231002X',
    credential: 'Init-1234',
    newPassword: 'Xin-Mima-2026',
  })
  await page.onBind()
  expect(page.data.errors.idNumber).toBe('证件号码格式不正确')
  expect(body).toBe(null)
  page.setData({ idNumber: 'h12345678' })
  await page.onBind()
  await settle()
  expect(body).toEqual({
    province_code: '810000',
    id_type: 'hk_macao_permit',
    id_number: 'H12345678',
    name: '陈大文',
    credential: 'Init-1234',
    new_password: 'Xin-Mima-2026',
  })
})
