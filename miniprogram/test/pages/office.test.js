/**
 * The assessment office's workbench pages (office/pages/*) against a fake server in the server's shapes: each
 * page's happy path, a bad input (the server's message shown, nothing sent twice) and the wrong role (403).
 */
const { loadPage, installFakeWx, settle, text } = require('../support/load-page')
const { seed } = require('../support/fixtures')
const F = require('../support/fixtures-office')

const FORBIDDEN = [403, 'ROLE_FORBIDDEN', '当前账号无权使用此功能']
const PHYSICIAN = { id: 4, role: 'physician', real_name: '陈晨', phone: '138****0004' }
const CY_OFFICE = { ...F.OFFICE_USER, id: 21, username: 'cy_office' }
const CY_WINDOWS = {
  ...F.WINDOWS,
  region_code: '110105',
  items: [
    F.WINDOWS.items[0],
    { ...F.WINDOWS.items[3] },
    {
      kind: 'enrolment',
      label: '报名',
      region_code: '110105',
      opens_at: '2026-03-10T08:00:00+08:00',
      closes_at: '2026-11-30T18:00:00+08:00',
      is_open: true,
    },
  ],
}

function office(user = F.OFFICE_USER) {
  const fake = installFakeWx()
  fake.signIn(user)
  seed(fake)
  return fake
}

const sent = (fake, method, path) => fake.requests.filter((r) => r.method === method && r.path === path)

// ---- home
test('home: region name, the cycle, this region’s windows, what waits, entries', async () => {
  const fake = office()
  fake.route('GET', '/reviews/queue/counts', { counts: { assessment_enrolment: 4 }, total: 4 })
  const { page, comp } = await loadPage('office/pages/index/index', { fake })
  const t = text(comp)
  expect(t).toContain('北京市')
  expect(t).toContain('2024—2026年度')
  expect(t).toContain('2026-03-01 08:00 至 2026-12-31 18:00')
  expect(t).toContain('补考')
  expect(t).toContain('尚未设置')
  const figures = Object.fromEntries(page.data.figures.map((f) => [f.key, f.value]))
  expect(figures).toEqual({ reviews: 4, flags: 2, not_bound: 1, not_enrolled: 3, exams: 3 })
  expect(sent(fake, 'GET', '/proctoring/flags')[0].query.status).toBe('open')
  expect(t).toContain('成绩申诉')
  page.onOpen({ currentTarget: { dataset: { url: '/reviewer/pages/queue/index?kind=assessment_appeal' } } })
  expect(fake.calls).toContainEqual(['navigateTo', '/reviewer/pages/queue/index?kind=assessment_appeal'])
})

test('home: a district office sees its own window and the one it falls back on from above', async () => {
  const fake = office(CY_OFFICE)
  fake.route('GET', '/assessment/windows', CY_WINDOWS)
  const { page, comp } = await loadPage('office/pages/index/index', { fake })
  expect(text(comp)).toContain('北京市 朝阳区')
  const byKind = Object.fromEntries(page.data.windows.map((w) => [w.kind, w.setBy]))
  expect(byKind.enrolment).toBe('本辖区设置')
  expect(byKind.exam).toBe('本辖区设置')
  expect(byKind.self_evaluation).toBe('')
})

test('home: a physician is refused with the server message and sees no figures', async () => {
  const fake = office(PHYSICIAN)
  fake.route('GET', '/assessment/windows', fake.error(...FORBIDDEN))
  const { page, comp } = await loadPage('office/pages/index/index', { fake })
  expect(text(comp)).toContain('当前账号无权使用此功能')
  expect(page.data.ready).toBe(false)
  expect(text(comp)).not.toContain('待审核')
})

// ---- cycles and windows
test('cycles: the cycles, windows above (read-only), own and below; set a window with the pickers', async () => {
  const fake = office(CY_OFFICE)
  let windows = CY_WINDOWS
  fake.route('GET', '/assessment/windows', () => windows)
  fake.route('PUT', '/assessment/windows', (req) => {
    const w = { ...req.data, label: '考试', region_code: '110105', is_open: true }
    windows = { ...windows, items: windows.items.concat([w]) }
    return w
  })
  const { page, comp } = await loadPage('office/pages/cycles/index', { fake })
  const t = text(comp)
  expect(t).toContain('2021—2023年度')
  expect(t).toContain('上级设置的时间（只读）')
  expect(page.data.above.map((w) => [w.region, w.label])).toEqual([['北京市', '报名']])
  expect(page.data.own.map((w) => w.label)).toEqual(['考试', '报名'])
  expect(page.data.isAdmin).toBe(false)
  expect(comp.querySelector('#create-toggle')).toBeFalsy()

  page.onKind({ currentTarget: { dataset: { kind: 'self_evaluation' } } })
  page.openPicker({ currentTarget: { dataset: { which: 'opensAt' } } })
  page.onPicked({ detail: { value: '2026-05-01 08:00' } })
  page.openPicker({ currentTarget: { dataset: { which: 'closesAt' } } })
  page.onPicked({ detail: { value: '2026-10-31 18:00' } })
  await page.onSave()
  await settle()
  expect(sent(fake, 'PUT', '/assessment/windows').map((r) => r.data)).toEqual([
    { kind: 'self_evaluation', opens_at: '2026-05-01T08:00:00', closes_at: '2026-10-31T18:00:00' },
  ])
})

test('cycles: a window outside the level above is refused in words, sent once', async () => {
  const fake = office(CY_OFFICE)
  fake.route('GET', '/assessment/windows', CY_WINDOWS)
  const refusal = '本辖区报名时间须在上级设置的时间内（2026-03-01 08:00 至 2026-12-31 18:00，北京时间）'
  fake.route('PUT', '/assessment/windows', fake.error(422, 'WINDOW_INVALID', refusal, { field: 'opens_at' }))
  const { page, comp } = await loadPage('office/pages/cycles/index', { fake })
  page.onPicked({ detail: { value: '2026-01-01 08:00' } }) // picker not open: ignored
  page.openPicker({ currentTarget: { dataset: { which: 'opensAt' } } })
  page.onPicked({ detail: { value: '2026-01-01 08:00' } })
  await page.onSave()
  await settle()
  expect(text(comp)).toContain('请选择开始和结束时间')
  expect(sent(fake, 'PUT', '/assessment/windows')).toHaveLength(0)
  page.openPicker({ currentTarget: { dataset: { which: 'closesAt' } } })
  page.onPicked({ detail: { value: '2026-12-31 20:00' } })
  await page.onSave()
  await settle()
  expect(text(comp)).toContain(refusal)
  expect(sent(fake, 'PUT', '/assessment/windows')).toHaveLength(1)
})

test('cycles: the province moves and deletes a window a district set', async () => {
  const fake = office()
  fake.route('PUT', '/assessment/windows', (req) => ({ ...req.data, label: '考试', is_open: true }))
  fake.route('DELETE', '/assessment/windows', (req) => ({
    region_code: req.query.region_code,
    kind: req.query.kind,
    applies: null,
  }))
  const { page, comp } = await loadPage('office/pages/cycles/index', { fake })
  expect(page.data.below.map((w) => [w.region, w.label])).toEqual([['北京市 朝阳区', '考试']])
  page.onEdit({ currentTarget: { dataset: { key: '110105-exam' } } })
  await settle()
  expect(text(comp)).toContain('设置北京市 朝阳区的时间')
  page.openPicker({ currentTarget: { dataset: { which: 'closesAt' } } })
  page.onPicked({ detail: { value: '2026-12-15 18:00' } })
  await page.onSave()
  await settle()
  expect(sent(fake, 'PUT', '/assessment/windows')[0].data).toEqual({
    kind: 'exam',
    opens_at: '2026-06-10T08:00:00',
    closes_at: '2026-12-15T18:00:00',
    region_code: '110105',
  })
  await page.onClear({ currentTarget: { dataset: { key: '110105-exam' } } })
  await settle()
  expect(fake.calls).toContainEqual(['modal', '删除北京市 朝阳区的考试时间', '删除后北京市 朝阳区适用上级设置的时间。'])
  expect(sent(fake, 'DELETE', '/assessment/windows')[0].query).toEqual({ kind: 'exam', region_code: '110105' })
  // back to this region's own
  page.onOwnRegion()
  expect(page.data.target).toBeNull()
})

test('cycles: deleting this region’s window asks first, in red', async () => {
  const fake = office(CY_OFFICE)
  fake.route('GET', '/assessment/windows', CY_WINDOWS)
  fake.route('DELETE', '/assessment/windows', (req) => ({ region_code: '110105', kind: req.query.kind, applies: null }))
  const { page } = await loadPage('office/pages/cycles/index', { fake })
  await page.onClear({ currentTarget: { dataset: { key: '110105-enrolment' } } })
  await settle()
  expect(fake.wx.showModal.mock.calls[0][0].confirmColor).toBe('#d54941')
  expect(fake.calls).toContainEqual(['modal', '删除本辖区的报名时间', '删除后本辖区适用上级设置的时间。'])
  expect(sent(fake, 'DELETE', '/assessment/windows')[0].query).toEqual({ kind: 'enrolment' })
})

test('cycles: only the admin may create a cycle; a bad one is refused by the server', async () => {
  const fake = office({ id: 1, role: 'admin', username: 'admin', phone: null })
  fake.route('POST', '/assessment/cycles', fake.error(409, 'CYCLE_OVERLAPS', '与已有考核周期时间重叠'))
  fake.route('GET', '/assessment/windows', fake.error(...FORBIDDEN)) // the admin has no region: never asked
  const { page, comp } = await loadPage('office/pages/cycles/index', { fake })
  expect(page.data.isAdmin).toBe(true)
  expect(page.data.ready).toBe(true)
  expect(text(comp)).toContain('新建周期')
  expect(text(comp)).not.toContain('当前账号无权使用此功能')
  page.toggleCreate()
  await page.onCreateCycle()
  expect(page.data.cycleError).toBe('请填写周期名称和起止日期')
  page.onCycleField({ currentTarget: { dataset: { field: 'name' } }, detail: { value: '2027—2029年度' } })
  page.onCycleField({ currentTarget: { dataset: { field: 'startsOn' } }, detail: { value: '2026-01-01' } })
  page.onCycleField({ currentTarget: { dataset: { field: 'endsOn' } }, detail: { value: '2029-12-31' } })
  await page.onCreateCycle()
  await settle()
  expect(text(comp)).toContain('与已有考核周期时间重叠')
  expect(sent(fake, 'POST', '/assessment/cycles').map((r) => r.data)).toEqual([
    { name: '2027—2029年度', starts_on: '2026-01-01', ends_on: '2029-12-31' },
  ])
})

test('cycles: a physician is refused', async () => {
  const fake = office(PHYSICIAN)
  fake.route('GET', '/assessment/windows', fake.error(...FORBIDDEN))
  const { comp } = await loadPage('office/pages/cycles/index', { fake })
  expect(text(comp)).toContain('当前账号无权使用此功能')
  expect(text(comp)).not.toContain('设置本辖区时间')
})

// ---- pass marks, rules, readiness
test('rules: pass marks per specialty, exam rules, readiness in words; saving sends the schema’s fields', async () => {
  const fake = office()
  fake.route('PUT', '/assessment/rules', (req) => ({ ...F.RULES, ...req.data }))
  fake.route('PUT', '/exams/admin/definitions', (req) => ({ ...F.DEFINITIONS.items[1], ...req.data }))
  const { page, comp } = await loadPage('office/pages/rules/index', { fake })
  const t = text(comp)
  expect(t).toContain('考生看到并据以评分的就是这里的分数线')
  expect(t).toContain('儿科题库不足')
  expect(t).toContain('缺少 单选题 10 道，影响考生 2 人')
  expect(t).toContain('受影响的考生：张明（东城区示范医院）')
  expect(t).toContain('业务水平测评')
  expect(t).toContain('共 100 题')
  expect(page.data.specialties.map((s) => [s.name, s.mark])).toEqual([
    ['内科', ''],
    ['儿科', '55'],
  ])
  page.onField({ currentTarget: { dataset: { field: 'professional' } }, detail: { value: '65' } })
  page.onSpecialty({ currentTarget: { dataset: { index: 0 } }, detail: { value: '62' } })
  await page.onSaveMarks()
  await settle()
  expect(sent(fake, 'PUT', '/assessment/rules').map((r) => r.data)).toEqual([
    {
      professional_pass_mark: 65,
      humanities_pass_mark: 60,
      professional_pass_marks_by_specialty: { internal_medicine: 62, pediatrics: 55 },
      cycle_id: 2,
    },
  ])

  page.onDefinitionField({ currentTarget: { dataset: { d: 1, field: 'duration' } }, detail: { value: '90' } })
  page.onCount({ currentTarget: { dataset: { d: 1, s: 0, t: 0 } }, detail: { value: '45' } })
  await page.onSaveDefinition({ currentTarget: { dataset: { d: 1 } } })
  await settle()
  const put = sent(fake, 'PUT', '/exams/admin/definitions')[0].data
  expect(put.duration_minutes).toBe(90)
  expect(put.sections).toEqual([{ section: 'humanities', counts: { single: 45, true_false: 10 }, pass_mark: 60 }])
  expect(put).not.toHaveProperty('id')
})

test('rules: a mark out of range is refused before sending; the server’s refusal is shown', async () => {
  const fake = office(CY_OFFICE)
  const refusal = '分数线由省级考核机构设置'
  fake.route('PUT', '/assessment/rules', fake.error(403, 'OFFICE_NOT_PROVINCIAL', refusal))
  const { page, comp } = await loadPage('office/pages/rules/index', { fake })
  page.onField({ currentTarget: { dataset: { field: 'humanities' } }, detail: { value: '120' } })
  await page.onSaveMarks()
  expect(text(comp)).toContain('分数线应为 0 到 100 之间的数')
  expect(sent(fake, 'PUT', '/assessment/rules')).toHaveLength(0)
  page.onField({ currentTarget: { dataset: { field: 'humanities' } }, detail: { value: '70' } })
  await page.onSaveMarks()
  await settle()
  expect(text(comp)).toContain(refusal)
  expect(sent(fake, 'PUT', '/assessment/rules')).toHaveLength(1)
})

test('rules: a physician is refused', async () => {
  const fake = office(PHYSICIAN)
  fake.route('GET', '/assessment/rules', fake.error(...FORBIDDEN))
  const { comp } = await loadPage('office/pages/rules/index', { fake })
  expect(text(comp)).toContain('当前账号无权使用此功能')
  expect(text(comp)).not.toContain('保存分数线')
})

// ---- question bank
test('questions: an xlsx picked from a chat is uploaded; the counts shown; export opens with the menu', async () => {
  const fake = office()
  fake.wx.chooseMessageFile.mockImplementation(({ success }) =>
    success({ tempFiles: [{ path: '/tmp/bank.xlsx', name: '题库.xlsx', size: 9000, type: 'file' }] }),
  )
  fake.route('POST', '/exams/admin/questions/import', { created: 12, updated: 3 })
  fake.route('GET', '/exams/admin/questions/export', { statusCode: 200, data: '', tempFilePath: '/tmp/bank-out.xlsx' })
  const { page, comp } = await loadPage('office/pages/questions/index', { fake })
  await page.onPick()
  await settle()
  expect(fake.wx.chooseMessageFile.mock.calls[0][0].extension).toEqual(['xlsx', 'json'])
  const up = sent(fake, 'POST', '/exams/admin/questions/import')
  expect(up).toHaveLength(1)
  expect(up[0].data).toMatchObject({ filePath: '/tmp/bank.xlsx', name: 'file' })
  expect(text(comp)).toContain('已导入：新增 12 题，更新 3 题')

  await page.onExport()
  await settle()
  expect(sent(fake, 'GET', '/exams/admin/questions/export')[0].query).toEqual({ format: 'xlsx' })
  expect(fake.wx.openDocument.mock.calls[0][0]).toMatchObject({
    filePath: '/tmp/bank-out.xlsx',
    fileType: 'xlsx',
    showMenu: true,
  })
})

test('questions: row errors are listed (row, question, column, message), nothing imported, sent once', async () => {
  const fake = office()
  fake.route(
    'POST',
    '/exams/admin/questions/import',
    fake.error(422, 'BANK_IMPORT_INVALID', '导入文件中有错误，未导入任何题目', {
      details: {
        rows: [
          {
            row: 3,
            ref: 'L-002',
            errors: ['题干不能为空', '答案应为从0开始的选项下标列表'],
            columns: ['stem', 'answer'],
          },
          { row: 7, ref: '', errors: ['ref 不能为空且不超过64个字符'], columns: ['ref'] },
        ],
        error_count: 2,
      },
    }),
  )
  const { page, comp } = await loadPage('office/pages/questions/index', { fake })
  await page.onPick()
  await settle()
  const t = text(comp)
  expect(t).toContain('未导入任何题目：2 行有错误')
  expect(t).toContain('第 3 行 · L-002 · 题干（stem）题干不能为空')
  expect(t).toContain('第 3 行 · L-002 · 答案（answer）答案应为从0开始的选项下标列表')
  expect(t).toContain('第 7 行 · 题目编号（ref）ref 不能为空')
  expect(t).not.toContain('已导入')
  expect(sent(fake, 'POST', '/exams/admin/questions/import')).toHaveLength(1)
})

test('questions: a physician is refused on export', async () => {
  const fake = office(PHYSICIAN)
  fake.route('GET', '/exams/admin/questions/export', fake.error(...FORBIDDEN))
  // a refused download leaves the server's JSON error in the downloaded file
  fake.wx.getFileSystemManager = () => ({
    readFileSync: () => JSON.stringify({ error: { code: FORBIDDEN[1], message: FORBIDDEN[2] } }),
  })
  const { page, comp } = await loadPage('office/pages/questions/index', { fake })
  await page.onExport()
  await settle()
  expect(text(comp)).toContain('当前账号无权使用此功能')
  expect(fake.wx.openDocument).not.toHaveBeenCalled()
})

// ---- flags
test('flags: open ones first; a state asks the server, a kind filters the list; a flag opens', async () => {
  const fake = office()
  const { page, comp } = await loadPage('office/pages/flags/index', { fake })
  expect(sent(fake, 'GET', '/proctoring/flags')[0].query.status).toBe('open')
  expect(text(comp)).toContain('张*明')
  expect(text(comp)).toContain('特征距离 0.71')
  page.onKind({ currentTarget: { dataset: { value: 'face_mismatch' } } })
  expect(page.data.items.map((f) => f.id)).toEqual([8])
  await page.onState({ currentTarget: { dataset: { value: '' } } })
  await settle()
  expect(sent(fake, 'GET', '/proctoring/flags')[1].query.status).toBeUndefined()
  page.onOpen({ currentTarget: { dataset: { id: 8 } } })
  expect(fake.calls).toContainEqual(['navigateTo', '/office/pages/flag/index?id=8'])
})

test('flags: a physician is refused', async () => {
  const fake = office(PHYSICIAN)
  fake.route('GET', '/proctoring/flags', fake.error(...FORBIDDEN))
  const { comp } = await loadPage('office/pages/flags/index', { fake })
  expect(text(comp)).toContain('当前账号无权使用此功能')
})

test('flag: capture and snapshots side by side with their values, images fetched with the token; 排除', async () => {
  const fake = office()
  let flag = F.FLAG_DETAIL
  fake.route('GET', '/proctoring/flags/7', () => flag)
  fake.route('POST', '/proctoring/flags/7/decision', (req) => {
    flag = { ...flag, status: req.data.decision, decision_reason: req.data.reason, decided_at: '2026-06-03T01:00:00Z' }
    return flag
  })
  const { page, comp } = await loadPage('office/pages/flag/index', { fake, query: { id: '7' } })
  await settle(100)
  const t = text(comp)
  expect(t).toContain('考前采集')
  expect(t).toContain('第 1 次抓拍')
  expect(t).toContain('第 2 次抓拍')
  expect(t).toContain('未检测到人脸')
  expect(t).toContain('人脸占比32%')
  expect(t).toContain('比对距离0.41')
  const images = fake.requests.filter((r) => r.path.startsWith('/proctoring/images/'))
  expect(images.map((r) => r.path)).toEqual([
    '/proctoring/images/cap-7',
    '/proctoring/images/snap-70',
    '/proctoring/images/snap-71',
  ])
  images.forEach((r) => expect(r.header.Authorization).toBe('Bearer at-1'))
  expect(page.data.pictures.map((p) => p.src)).toEqual(['/tmp/cap-7.jpg', '/tmp/snap-70.jpg', '/tmp/snap-71.jpg'])

  await page.onClear()
  await settle(100)
  expect(sent(fake, 'POST', '/proctoring/flags/7/decision').map((r) => r.data)).toEqual([
    { decision: 'cleared', reason: '经核查排除异常' },
  ])
  expect(text(comp)).toContain('已排除')
  expect(comp.querySelector('#invalidate')).toBeFalsy()
})

test('flag: 判定无效 needs a reason and asks first (the result changes); a colleague first is shown', async () => {
  const fake = office()
  fake.route(
    'POST',
    '/proctoring/flags/7/decision',
    fake.error(409, 'FLAG_ALREADY_DECIDED', '该异常已处理，请刷新后查看'),
  )
  const { page, comp } = await loadPage('office/pages/flag/index', { fake, query: { id: '7' } })
  await page.onInvalidate()
  expect(text(comp)).toContain('判定无效须填写理由')
  expect(fake.wx.showModal).not.toHaveBeenCalled()
  page.onReason({ detail: { value: '抓拍中为他人作答' } })
  await page.onInvalidate()
  await settle()
  const modal = fake.wx.showModal.mock.calls[0][0]
  expect(modal.content).toContain('考核结果将随之改变')
  expect(modal.confirmColor).toBe('#d54941')
  expect(sent(fake, 'POST', '/proctoring/flags/7/decision').map((r) => r.data)).toEqual([
    { decision: 'invalidated', reason: '抓拍中为他人作答' },
  ])
  expect(text(comp)).toContain('该异常已处理，请刷新后查看')
})

test('flag: another region’s flag is not found, a physician refused', async () => {
  const fake = office(PHYSICIAN)
  fake.route('GET', '/proctoring/flags/7', fake.error(...FORBIDDEN))
  const { comp } = await loadPage('office/pages/flag/index', { fake, query: { id: '7' } })
  expect(text(comp)).toContain('当前账号无权使用此功能')
  expect(fake.requests.some((r) => r.path.startsWith('/proctoring/images/'))).toBe(false)
})

// ---- progress
test('progress: summary per institution, people filtered by step and institution, Excel with the same filters', async () => {
  const fake = office()
  fake.route('GET', '/assessment/progress/people.xlsx', { statusCode: 200, data: '', tempFilePath: '/tmp/people.xlsx' })
  const { page, comp } = await loadPage('office/pages/progress/index', { fake, query: { step: 'not_enrolled' } })
  const t = text(comp)
  expect(t).toContain('东城区示范医院')
  expect(t).toContain('朝阳区社区卫生服务中心')
  expect(t).toContain('陈晨')
  expect(t).toContain('共 3 人')
  expect(sent(fake, 'GET', '/assessment/progress/people')[0].query).toEqual({ step: 'not_enrolled', limit: '20' })
  await page.onInstitution({ currentTarget: { dataset: { id: 2 } } })
  await settle()
  expect(sent(fake, 'GET', '/assessment/progress/people')[1].query).toEqual({
    step: 'not_enrolled',
    institution_id: '2',
    limit: '20',
  })
  page.onNameInput({ detail: { value: ' 陈 ' } })
  await page.onSearch()
  await settle()
  expect(sent(fake, 'GET', '/assessment/progress/people')[2].query).toEqual({
    step: 'not_enrolled',
    institution_id: '2',
    name: '陈',
    limit: '20',
  })
  await page.onExport()
  await settle()
  expect(sent(fake, 'GET', '/assessment/progress/people.xlsx')[0].query).toEqual({
    step: 'not_enrolled',
    institution_id: '2',
    name: '陈',
  })
  expect(fake.wx.openDocument.mock.calls[0][0]).toMatchObject({ filePath: '/tmp/people.xlsx', showMenu: true })
})

test('progress: a reminder asks with the number of people, then says sent and skipped as the server answers', async () => {
  const fake = office()
  fake.route('POST', '/assessment/progress/reminders', { matched: 3, sent: 1, already_today: 2, no_account: 0 })
  const { page, comp } = await loadPage('office/pages/progress/index', { fake, query: { step: 'not_enrolled' } })
  expect(page.data.canRemind).toBe(true)
  await page.onRemind()
  await settle()
  expect(fake.calls.find((c) => c[0] === 'modal')[2]).toContain('「未报名」的 3 位医师')
  expect(sent(fake, 'POST', '/assessment/progress/reminders').map((r) => r.data)).toEqual([{ step: 'not_enrolled' }])
  expect(text(comp)).toContain('已向 1 人发送提醒')
  expect(text(comp)).toContain('今天已提醒过、本次跳过 2 人')
  // with a name the reminder goes to the same filtered group, and says so
  page.onNameInput({ detail: { value: '林' } })
  await page.onSearch()
  await page.onRemind()
  await settle()
  expect(fake.calls.filter((c) => c[0] === 'modal')[1][2]).toContain('「未报名」、姓名含“林”的')
  expect(sent(fake, 'POST', '/assessment/progress/reminders')[1].data).toEqual({ step: 'not_enrolled', name: '林' })
  // a step that is waiting on a reviewer has no reminder
  await page.onStep({ currentTarget: { dataset: { step: 'enrolment_review' } } })
  expect(page.data.canRemind).toBe(false)
  expect(comp.querySelector('#remind')).toBeFalsy()
})

test('progress: another district’s institution is refused in words', async () => {
  const fake = office(CY_OFFICE)
  fake.route('GET', '/assessment/progress/people', (req) =>
    req.query.institution_id === '2'
      ? fake.error(404, 'INSTITUTION_NOT_FOUND', '机构不存在或不在您的管辖范围内', { field: 'institution_id' })
      : F.PEOPLE,
  )
  const { page, comp } = await loadPage('office/pages/progress/index', { fake })
  await page.onInstitution({ currentTarget: { dataset: { id: 2 } } })
  await settle()
  expect(text(comp)).toContain('机构不存在或不在您的管辖范围内')
})

test('progress: a physician is refused', async () => {
  const fake = office(PHYSICIAN)
  fake.route('GET', '/assessment/progress', fake.error(...FORBIDDEN))
  const { comp } = await loadPage('office/pages/progress/index', { fake })
  expect(text(comp)).toContain('当前账号无权使用此功能')
  expect(text(comp)).not.toContain('陈晨')
})
