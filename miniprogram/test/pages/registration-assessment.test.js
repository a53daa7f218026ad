const { loadPage, installFakeWx, settle, text } = require('../support/load-page')

test('ID photo: the rules are shown before the picker opens; too large is refused before upload', async () => {
  const fake = installFakeWx()
  fake.signIn()
  const { page, comp } = await loadPage('registration/pages/photo/index', { fake })
  expect(text(comp)).toContain('354×472')
  expect(text(comp)).toContain('80 KB')
  expect(fake.wx.chooseMedia).not.toHaveBeenCalled()

  fake.wx.chooseMedia.mockImplementationOnce(({ success }) =>
    success({ tempFiles: [{ tempFilePath: '/tmp/big.jpg', size: 120 * 1024 }] }),
  )
  await page.onChoose()
  await settle()
  expect(text(comp)).toContain('超过 80 KB')
  expect(fake.requests).toHaveLength(0)

  fake.route('POST', '/registry/photo', fake.error(422, 'PHOTO_SIZE_INVALID', '照片尺寸应为 354×472 像素'))
  await page.onChoose()
  await settle()
  expect(text(comp)).toContain('照片尺寸应为 354×472 像素')
})

test('real-name check: the ID checksum is checked before the request', async () => {
  const fake = installFakeWx()
  fake.signIn()
  fake.route('POST', '/identity/real-name-check', {
    qualification_found: true,
    registration_found: true,
    registration_status: 'active',
    next_step: 'activation_code',
    institution_name: '东城区示范医院',
    message: '已查询到您的执业注册，请向主执业机构申领激活码',
  })
  const { page, comp } = await loadPage('registration/pages/real-name/index', { fake })
  page.setData({ name: '张三', idNumber: '110101199003070012' })
  await page.onSubmit()
  await settle()
  expect(text(comp)).toContain('身份证号码格式或校验位不正确')
  expect(fake.requests).toHaveLength(0)
  page.setData({ idNumber: '11010519491231002X' })
  await page.onSubmit()
  await settle()
  expect(fake.requests[0].data).toEqual({ name: '张三', id_number: '11010519491231002X' })
  expect(text(comp)).toContain('请向主执业机构申领激活码')
  expect(text(comp)).toContain('使用激活码激活')
})

test('activation by code and by qualification number', async () => {
  const fake = installFakeWx()
  fake.signIn()
  fake.route('POST', '/registry/activation/code', fake.error(400, 'ACTIVATION_CODE_INVALID', '激活码错误或已过期'))
  fake.route('POST', '/registry/activation/self', { activated: true, institution_name: '东城区示范医院' })
  const { page, comp } = await loadPage('registration/pages/activation/index', { fake })
  page.setData({ code: '123456' })
  await page.onSubmit()
  await settle()
  expect(text(comp)).toContain('激活码错误或已过期')
  page.onWay({ currentTarget: { dataset: { way: 'self' } } })
  page.setData({ qualificationCertNo: '2010110101000001' })
  await page.onSubmit()
  await settle()
  expect(text(comp)).toContain('账号已激活：东城区示范医院')
})

test('self-evaluation: draft saved after typing stops, submit sends it for review', async () => {
  jest.useFakeTimers()
  const fake = installFakeWx()
  fake.signIn()
  fake.route('GET', '/assessment/self-evaluation', { practice_record: '已有草稿', updated_at: '2026-06-01T00:00:00Z' })
  const puts = []
  fake.route('PUT', '/assessment/self-evaluation', (req) => {
    puts.push(req.data)
    return { ok: true }
  })
  const { page, comp } = await loadPage('assessment/pages/self-evaluation/index', { fake })
  expect(page.data.values.practice_record).toBe('已有草稿')
  page.onField({ currentTarget: { dataset: { key: 'work_performance' } }, detail: { value: '完成门诊 3000 人次' } })
  expect(text(comp)).toContain('未保存')
  jest.advanceTimersByTime(1500)
  await settle()
  expect(puts[0]).toMatchObject({ work_performance: '完成门诊 3000 人次', submit: false })
  expect(text(comp)).toContain('草稿已保存')

  await page.onSubmit()
  await settle()
  expect(text(comp)).toContain('请填写职业道德、个人述职报告')
  page.onField({ currentTarget: { dataset: { key: 'professional_ethics' } }, detail: { value: '良好' } })
  page.onField({ currentTarget: { dataset: { key: 'work_report' } }, detail: { value: '述职' } })
  await page.onSubmit()
  expect(puts[puts.length - 1]).toMatchObject({ submit: true, work_report: '述职' })
  jest.useRealTimers()
})

test('result notice PDF downloads with the token and opens', async () => {
  const fake = installFakeWx()
  fake.signIn()
  fake.route('GET', '/assessment/result', { result: 'passed', verification_code: 'K8Q2-77XM' })
  fake.route('GET', '/assessment/result/notice.pdf', { statusCode: 200, data: '' })
  const { page, comp } = await loadPage('assessment/pages/result/index', { fake })
  expect(text(comp)).toContain('考核结果：合格')
  await page.onNotice()
  expect(fake.requests.find((r) => r.path === '/assessment/result/notice.pdf').header.Authorization).toBe('Bearer at-1')
  expect(fake.wx.openDocument).toHaveBeenCalledWith(
    expect.objectContaining({ filePath: '/tmp/fake-download.pdf', fileType: 'pdf' }),
  )
})

test('exemption: reason and proof upload required, then submitted with the proof ids', async () => {
  const fake = installFakeWx()
  fake.signIn()
  fake.route('POST', '/assessment/proofs', { statusCode: 201, data: { id: 'pf-1' } })
  let body = null
  fake.route('POST', '/assessment/exemption', (req) => {
    body = req.data
    return { statusCode: 201, data: { id: 1 } }
  })
  const { page, comp } = await loadPage('assessment/pages/exemption/index', { fake })
  page.setData({ reason: '援外医疗' })
  await page.onSubmit()
  await settle()
  expect(text(comp)).toContain('请上传证明材料')
  await page.onAddProof()
  await page.onSubmit()
  expect(body).toEqual({ reason: '援外医疗', proof_ids: ['pf-1'] })
})

test('info change: only the filled fields are sent, flat, as the registry takes them', async () => {
  const fake = installFakeWx()
  fake.signIn()
  let body = null
  fake.route('POST', '/registry/info-changes', (req) => {
    body = req.data
    return { statusCode: 201, data: { id: 1, kind: 'info', changes: req.data, status: 'pending' } }
  })
  const { page, comp } = await loadPage('registration/pages/info-change/index', { fake })
  await page.onSubmit()
  await settle()
  expect(text(comp)).toContain('请至少填写一项要修改的信息')
  page.onField({ currentTarget: { dataset: { key: 'title' } }, detail: { value: '副主任医师' } })
  await page.onSubmit()
  expect(body).toEqual({ title: '副主任医师' })
})
