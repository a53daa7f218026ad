const { loadPage, installFakeWx, settle, text } = require('../support/load-page')
const { seed } = require('../support/fixtures')
const { words } = require('../support/render-pages')

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
  expect(fake.requests.filter((r) => r.method === 'POST')).toHaveLength(0)
  page.setData({ idNumber: '11010519491231002X' })
  await page.onSubmit()
  await settle()
  expect(fake.requests.find((r) => r.method === 'POST').data).toEqual({
    name: '张三',
    id_type: 'resident_id',
    id_number: '11010519491231002X',
  })
  expect(text(comp)).toContain('请向主执业机构申领激活码')
  expect(text(comp)).toContain('使用激活码激活')
})

const GUIDANCE = [
  '请仔细核对您的身份证件、医师资格证书和医师执业证书上的姓名、证件号码与输入的是否一致；',
  '本系统按照医师资格证书或医师执业证书上的姓名和证件号码进行验证；',
  '如果输入有误，请修改后重新校验；',
  '如果输入无误，请到所在医疗机构核实您的信息，或按以下指南办理资格信息补录或修改：',
  '老人老办法资格（1999年《执业医师法》实施前经省级卫生行政部门认定）：向省级卫生健康行政部门申请修改及补录；',
  '新人新办法资格（参加国家医师资格考试取得）：向报考地考点办公室申请修改及补录；',
  '军队离休及复转退人员：持相关证明向所在地卫生健康行政部门申请补录。',
]

test('real-name check: any document type; not found shows the seven 资格补改 steps the server sends', async () => {
  const fake = installFakeWx()
  fake.signIn()
  fake.route('POST', '/identity/real-name-check', () =>
    fake.error(404, 'REAL_NAME_NOT_FOUND', '未查询到医师资格信息！未查询到医师执业注册信息！', {
      details: {
        guidance: GUIDANCE,
        contact: '所在医疗机构或颁发医师资格证书的卫生健康行政部门',
        check_documents: ['身份证件', '医师资格证书', '医师执业证书'],
      },
    }),
  )
  const { page, comp } = await loadPage('registration/pages/real-name/index', { fake })
  expect(page.data.docTypes).toHaveLength(5)
  page.onType({ currentTarget: { dataset: { code: 'taiwan_permit' } } })
  page.setData({ name: '林一', idNumber: '12ab' })
  await page.onSubmit()
  await settle()
  expect(page.data.errors.idNumber).toBe('证件号码格式不正确')
  expect(fake.requests.filter((r) => r.method === 'POST')).toHaveLength(0)
  page.setData({ idNumber: '12345678' })
  await page.onSubmit()
  await settle()
  expect(fake.requests.find((r) => r.method === 'POST').data).toEqual({
    name: '林一',
    id_type: 'taiwan_permit',
    id_number: '12345678',
  })
  expect(page.data.guidance.steps).toEqual(GUIDANCE)
  const steps = comp.querySelectorAll('#guidance .step')
  expect(steps).toHaveLength(7)
  expect(text(comp)).toContain('军队离休及复转退人员')
  expect(text(comp)).toContain('请对照：身份证件、医师资格证书、医师执业证书')
})

test('activation by code and by qualification number', async () => {
  const fake = installFakeWx()
  fake.signIn()
  fake.route('POST', '/registry/activation/code', fake.error(400, 'ACTIVATION_CODE_INVALID', '激活码错误或已过期'))
  fake.route('POST', '/registry/activation/self', {
    account_status: 'active',
    activated_via: 'self',
    registration: { id: 1, status: 'active', main_institution_name: '东城区示范医院' },
  })
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
  fake.route('GET', '/assessment/self-evaluation', {
    status: 'procedure_chosen',
    procedure: 'general',
    practice_record: '已有草稿',
    work_performance: null,
    professional_ethics: null,
    work_report: null,
    work_report_required: true,
  })
  let submitted = false
  fake.route('POST', '/assessment/self-evaluation', () => {
    submitted = true
    return { id: 1, status: 'self_evaluated' }
  })
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
  expect(puts[0]).toMatchObject({ work_performance: '完成门诊 3000 人次', practice_record: '已有草稿' })
  expect(puts[0].submit).toBeUndefined()
  expect(text(comp)).toContain('草稿已保存')

  await page.onSubmit()
  await settle()
  expect(text(comp)).toContain('请填写职业道德、个人述职报告')
  page.onField({ currentTarget: { dataset: { key: 'professional_ethics' } }, detail: { value: '良好' } })
  page.onField({ currentTarget: { dataset: { key: 'work_report' } }, detail: { value: '述职' } })
  await page.onSubmit()
  expect(puts[puts.length - 1]).toMatchObject({ work_report: '述职', professional_ethics: '良好' })
  expect(submitted).toBe(true)
  jest.useRealTimers()
})

test('results on a server without the per-cycle list: this cycle from /assessment/result, its notice opened', async () => {
  const fake = installFakeWx()
  fake.signIn()
  fake.route('GET', '/assessment/result', {
    cycle: { id: 1, name: '2024—2026年度', starts_on: '2024-01-01', ends_on: '2026-12-31' },
    assessment: {
      id: 1,
      result: 'passed',
      result_label: '合格',
      verification_code: 'K8Q2-77XM',
      professional_score: 82,
      humanities_score: 76,
    },
  })
  fake.route('GET', '/assessment/result/notice.pdf', { statusCode: 200, data: '' })
  const { page, comp } = await loadPage('assessment/pages/result/index', { fake })
  expect(text(comp)).toContain('考核结果：合格')
  expect(text(comp)).toContain('K8Q2-77XM')
  expect(text(comp)).toContain('82 分')
  await page.onNotice({ currentTarget: { dataset: { url: page.data.cycles[0].noticeUrl } } })
  expect(fake.requests.find((r) => r.path === '/assessment/result/notice.pdf').header.Authorization).toBe('Bearer at-1')
  expect(fake.wx.openDocument).toHaveBeenCalledWith(
    expect.objectContaining({ filePath: '/tmp/fake-download.pdf', fileType: 'pdf' }),
  )
})

test('exemption: a reason from the server list and a proof upload are required, then submitted by code and ids', async () => {
  const fake = installFakeWx()
  fake.signIn()
  fake.route('GET', '/assessment/procedure/options', {
    simplified_conditions: [],
    exemption_reasons: [{ code: 'senior_title', label: '具有高级专业技术职务任职资格' }],
  })
  fake.route('POST', '/assessment/proofs', {
    statusCode: 201,
    data: { items: [{ id: 41, kind: 'jpg', filename: '职称证书.jpg', size: 1000 }] },
  })
  let body = null
  fake.route('POST', '/assessment/exemption', (req) => {
    body = req.data
    return { statusCode: 201, data: { id: 1 } }
  })
  const { page, comp } = await loadPage('assessment/pages/exemption/index', { fake })
  await page.onSubmit()
  await settle()
  expect(text(comp)).toContain('请选择免考理由')
  page.onReason({ detail: { value: '0' } })
  await page.onSubmit()
  await settle()
  expect(text(comp)).toContain('请上传证明材料')
  await page.onAddProof()
  await settle()
  expect(text(comp)).toContain('职称证书.jpg')
  await page.onSubmit()
  expect(body).toEqual({ reason: 'senior_title', proof_ids: [41] })
})

test('procedure: simplified needs a condition; sent by PUT with conditions and proof ids', async () => {
  const fake = installFakeWx()
  fake.signIn()
  fake.route('GET', '/assessment/procedure/options', {
    simplified_conditions: [{ code: 'good_record_5y', label: '具有5年以上执业经历' }],
    exemption_reasons: [],
  })
  let body = null
  fake.route('PUT', '/assessment/procedure', (req) => {
    body = req.data
    return { id: 1, procedure: 'simplified' }
  })
  const { page, comp } = await loadPage('assessment/pages/procedure/index', { fake })
  page.onChoose({ detail: { value: 'simplified' } })
  await page.onSubmit()
  await settle()
  expect(text(comp)).toContain('请选择所符合的简易程序条件')
  page.onConditions({ detail: { value: ['good_record_5y'] } })
  await page.onSubmit()
  expect(body).toEqual({ procedure: 'simplified', conditions: ['good_record_5y'], proof_ids: [] })
})

test('enrolment: confirm the data and the specialty, submitted as the assessment part takes it', async () => {
  const fake = installFakeWx()
  fake.signIn()
  fake.route('GET', '/assessment/enrolment', {
    cycle: { id: 1, name: '2024—2026年度' },
    window: null,
    status: 'notice_accepted',
    personal: { name: '张三丰', id_number: '1101**********1014', province_code: '110000' },
    registry: {
      qualification: {
        qualification_cert_no: '201011010100001',
        name: '张三丰',
        category: 'clinical',
        level: 'practitioner',
        obtained_on: '2010-08-01',
      },
      practice: {
        practice_cert_no: '110101201000001',
        institution_id: 2,
        institution_name: '东城区示范医院',
        department: '内科',
        practice_region_code: '110101',
        category: 'clinical',
        level: 'practitioner',
        practice_scopes: ['内科专业'],
        title: null,
      },
      multi_sites: [
        {
          institution_id: 3,
          institution_name: '朝阳区社区卫生服务中心',
          region_code: '110105',
          filed_on: '2025-01-01',
        },
      ],
    },
    registry_found: true,
    specialty: '内科专业',
    info_change_hint: '信息有误请在“医师电子化注册”中提交信息修改申请',
  })
  let body = null
  fake.route('POST', '/assessment/enrolment', (req) => {
    body = req.data
    return { id: 1, status: 'enrolment_submitted' }
  })
  fake.route(
    'GET',
    /^\/lookups\/regions\/\d{6}$/,
    (req) =>
      ({ 110000: { name: '北京市' }, 110101: { full_name: '北京市 东城区' }, 110105: { full_name: '北京市 朝阳区' } })[
        req.path.slice(-6)
      ],
  )
  const { page, comp } = await loadPage('assessment/pages/enrolment/index', { fake })
  const shown = Object.fromEntries(
    page.data.sections.map((s) => [s.title, Object.fromEntries(s.rows.map((r) => [r.label, r.value]))]),
  )
  expect(shown['执业注册']['主执业机构']).toBe('东城区示范医院')
  expect(shown['执业注册']['执业范围']).toBe('内科专业')
  expect(shown['执业注册']['执业地点']).toBe('北京市 东城区')
  expect(shown['医师资格']['医师资格证书编码']).toBe('201011010100001')
  expect(shown['医师资格']['医师类别']).toBe('临床')
  expect(shown['医师资格']['级别']).toBe('执业医师')
  expect(shown['多机构执业备案']).toEqual({
    执业机构: '朝阳区社区卫生服务中心',
    执业地点: '北京市 朝阳区',
    备案日期: '2025-01-01',
  })
  // places by name, never the code
  expect(shown['个人信息']['考核所在省份']).toBe('北京市')
  expect(words(comp.dom).filter((w) => /\d{6}/.test(w) && !/\d{7}/.test(w))).toEqual([])
  await page.onSubmit()
  await settle()
  // the error sits beside the confirmation, next to the submit button
  expect(page.data.errors.confirmed).toContain('请先确认以上信息无误')
  expect(comp.querySelector('#confirm-error').dom.textContent).toContain('请先确认以上信息无误')
  page.onConfirm({ detail: { value: ['yes'] } })
  await page.onSubmit()
  expect(body).toEqual({ data_correct: true, specialty: '内科专业' })
  // Consent to the review-result message is asked right before the submit that will produce it.
  expect(fake.wx.requestSubscribeMessage).toHaveBeenCalledWith(
    expect.objectContaining({ tmplIds: ['dev-review-result-tmpl-0000000000000000001'] }),
  )
  expect(fake.requests.find((r) => r.path === '/me/subscriptions').data).toEqual({
    template_ids: ['dev-review-result-tmpl-0000000000000000001'],
  })
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

test('my registration data: fixed sections in words, places by name, the registration once', async () => {
  const fake = installFakeWx()
  fake.signIn()
  seed(fake)
  const { page, comp } = await loadPage('registration/pages/profile/index', { fake })
  const t = text(comp)
  expect(page.data.sections.map((s) => s.title)).toEqual(['账号', '医师资格', '执业注册', '多机构执业备案'])
  const shown = Object.fromEntries(
    page.data.sections.map((s) => [s.title, Object.fromEntries(s.rows.map((r) => [r.label, r.value]))]),
  )
  expect(shown['账号']).toEqual({ 姓名: '陈晨', 手机号: '138****0004', 账号状态: '已激活', 激活方式: '激活码激活' })
  expect(shown['医师资格']['证件']).toBe('居民身份证 1101**********1014')
  expect(shown['医师资格']['规范化培训']).toBe('已完成')
  expect(shown['执业注册']['注册状态']).toBe('有效')
  expect(shown['执业注册']['证件照片']).toBe('已上传')
  expect(shown['多机构执业备案']['执业地点']).toBe('北京市 朝阳区')
  expect(shown['多机构执业备案']['状态']).toBe('备案有效')
  // the registration listed once, though the server sends it as `registration` and in `registrations`
  expect(t.split('110101201000001').length - 1).toBe(1)
  ;['activated_via', 'obtained_on', 'has_photo', 'true', 'active', 'resident_id', '110105'].forEach((raw) =>
    expect(t).not.toContain(raw),
  )
})

test('my registration data: nested qualification and registration shown with Chinese labels, ids hidden', async () => {
  const fake = installFakeWx()
  fake.signIn()
  fake.route('GET', '/registry/me', {
    account_status: 'active',
    name: '张*',
    qualifications: [{ id: 3, qualification_cert_no: '201011010100001', category: 'clinical', level: 'practitioner' }],
    registration: {
      id: 1,
      status: 'active',
      main_institution_name: '东城区示范医院',
      practice_scopes: ['内科专业', '儿科专业'],
    },
  })
  const { comp } = await loadPage('registration/pages/profile/index', { fake })
  const t = text(comp)
  expect(t).toContain('医师资格证书编码201011010100001')
  expect(t).toContain('医师类别临床')
  expect(t).toContain('级别执业医师')
  expect(t).toContain('主执业机构东城区示范医院')
  expect(t).toContain('执业范围内科专业、儿科专业')
  expect(t).not.toMatch(/(^|\s)id\b/)
})
