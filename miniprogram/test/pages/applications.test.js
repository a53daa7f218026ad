/** Business applications end to end (issue 18): pickers, fields per kind, attachments, the form PDF, withdraw. */
const { loadPage, installFakeWx, settle, text } = require('../support/load-page')
const { seed, APPLICATIONS } = require('../support/fixtures')

function app(extra) {
  return { ...APPLICATIONS.items[0], ...extra }
}

test('my applications: status in words, the form PDF downloaded with the token and opened, withdraw asks first', async () => {
  const fake = installFakeWx()
  fake.signIn()
  let withdrawn = false
  fake.route('GET', '/registry/applications', () => ({
    items: [
      app({ id: 8, status: withdrawn ? 'withdrawn' : 'submitted', status_label: withdrawn ? '已撤回' : '待机构确认' }),
    ],
  }))
  fake.route('POST', '/my/reviews/31/withdraw', () => {
    withdrawn = true
    return { id: 31, status: 'withdrawn' }
  })
  let pdfAuth = null
  fake.route('GET', '/registry/applications/8/form.pdf', (req) => {
    pdfAuth = req.header.Authorization
    return { statusCode: 200, data: '', tempFilePath: '/tmp/application-8.pdf' }
  })
  const { page, comp } = await loadPage('registration/pages/applications/index', { fake })
  expect(text(comp)).toContain('多执业机构备案')
  expect(text(comp)).toContain('待机构确认')
  expect(page.data.kinds).toHaveLength(9)

  await page.onForm({ currentTarget: { dataset: { id: 8 } } })
  await settle()
  expect(pdfAuth).toBe('Bearer at-1')
  expect(fake.wx.openDocument).toHaveBeenCalledWith(
    expect.objectContaining({ filePath: '/tmp/application-8.pdf', fileType: 'pdf' }),
  )

  // declined: nothing withdrawn
  fake.wx.showModal.mockImplementationOnce((o) => o.success({ confirm: false, cancel: true }))
  await page.onWithdraw({ currentTarget: { dataset: { reviewId: 31 } } })
  await settle()
  expect(withdrawn).toBe(false)
  await page.onWithdraw({ currentTarget: { dataset: { reviewId: 31 } } })
  await settle()
  expect(fake.calls).toContainEqual(['modal', '撤回申请', '撤回后审核停止，需要时可重新提交申请。'])
  expect(withdrawn).toBe(true)
  expect(text(comp)).toContain('已撤回')
  page.onNew({ currentTarget: { dataset: { kind: 'cancel' } } })
  expect(fake.calls).toContainEqual(['navigateTo', '/registration/pages/application-form/index?kind=cancel'])
})

test('empty list and an offline list: one state component with the next action or 重试', async () => {
  const fake = installFakeWx()
  fake.signIn()
  fake.route('GET', '/registry/applications', { items: [] })
  const { page, comp } = await loadPage('registration/pages/applications/index', { fake })
  expect(text(comp)).toContain('暂无申请')
  fake.setOffline(true)
  await page.onShow()
  await settle()
  expect(page.data.offline).toBe(true)
  expect(text(comp)).toContain('网络未连接')
  expect(text(comp)).toContain('重试')
})

test('a late first registration: institution and region picked by name, scopes from the catalogue, training proof attached with progress, then submitted', async () => {
  const fake = installFakeWx()
  fake.signIn()
  seed(fake)
  fake.route('GET', '/lookups/practice-scopes', {
    items: [
      { name: '内科专业', category: 'clinical', category_label: '临床' },
      { name: '儿科专业', category: 'clinical', category_label: '临床' },
    ],
  })
  fake.route('GET', '/lookups/application-kinds', {
    items: [
      {
        kind: 'register',
        title: '注册',
        initiated_by: 'physician',
        needs_registration: false,
        review_steps: ['institution', 'commission'],
        fields: [
          { name: 'institution_id', label: '执业机构', type: 'institution', required: true, help: '', choices: null },
          { name: 'practice_region_code', label: '执业地点', type: 'region', required: true, help: '', choices: null },
          {
            name: 'practice_scopes',
            label: '执业范围',
            type: 'practice_scopes',
            required: true,
            help: '最多三个',
            choices: null,
          },
          {
            name: 'residency_training',
            label: '是否规培医师',
            type: 'choice',
            required: false,
            help: '',
            choices: { yes: '是', no: '否' },
          },
        ],
        attachment_purposes: [
          { purpose: 'training_proof', label: '培训考核合格证明' },
          { purpose: 'other', label: '其他材料' },
        ],
      },
    ],
  })
  const created = []
  fake.route('POST', '/registry/applications', (req) => {
    created.push(req.data)
    return { statusCode: 201, data: app({ id: 5, kind: 'register', status: 'draft' }) }
  })
  const uploads = []
  fake.route('POST', '/registry/applications/5/attachments', (req) => {
    uploads.push(req.data)
    return { statusCode: 201, data: app({ id: 5, status: 'draft' }) }
  })
  fake.route('POST', '/registry/applications/5/submit', app({ id: 5, status: 'submitted' }))
  const { page, comp } = await loadPage('registration/pages/application-form/index', {
    fake,
    query: { kind: 'register' },
  })
  const t = text(comp)
  // the rules before any file is chosen; no raw number asked for
  expect(t).toContain('每个文件不超过 5 MB')
  expect(t).toContain('格式 PDF、JPG 或 PNG')
  expect(t).not.toContain('编号')
  expect(t).not.toContain('行政区划代码')

  await page.onSubmit()
  await settle()
  expect(page.data.errors).toEqual({
    institution_id: '请选择执业机构',
    practice_region_code: '请选择执业地点',
    practice_scopes: '请选择执业范围',
  })
  expect(text(comp)).toContain('请选择执业机构')
  expect(created).toHaveLength(0)

  // region picker: 北京市 › 市辖区 › 东城区, shown as a name
  const region = comp.querySelector('#field-practice_region_code')
  await region.instance.onOpen()
  await settle()
  expect(region.instance.data.items.map((r) => r.name)).toEqual(['北京市', '上海市'])
  await region.instance.onPick({ currentTarget: { dataset: { index: 0 } } })
  await settle()
  await region.instance.onPick({ currentTarget: { dataset: { index: 0 } } })
  await settle()
  await region.instance.onPick({ currentTarget: { dataset: { index: 0 } } })
  await settle()
  expect(page.data.values.practice_region_code).toBe('110101')
  expect(text(comp)).toContain('北京市 东城区')

  // institution picker: searched by name within the region
  const inst = comp.querySelector('#field-institution_id')
  await inst.instance.onOpen()
  await settle()
  expect(fake.requests.find((r) => r.path === '/lookups/institutions').query.region_code).toBe('110101')
  await inst.instance.onPick({ currentTarget: { dataset: { index: 0 } } })
  await settle()
  expect(page.data.values.institution_id).toBe(2)
  expect(text(comp)).toContain('东城区示范医院')

  page.onScopes({ currentTarget: { dataset: { key: 'practice_scopes' } }, detail: { value: ['内科专业'] } })
  page.onChoice({ currentTarget: { dataset: { key: 'residency_training', value: 'yes' } } })

  // a file from a chat: too large refused before upload; a good one listed with its purpose
  fake.wx.chooseMessageFile.mockImplementationOnce(({ success }) =>
    success({ tempFiles: [{ path: '/tmp/big.pdf', name: '扫描件.pdf', size: 6 * 1024 * 1024 }] }),
  )
  await page.onAddFile()
  await settle()
  expect(page.data.files).toHaveLength(0)
  expect(text(comp)).toContain('文件超过 5 MB')
  await page.onAddFile()
  await settle()
  expect(page.data.files.map((f) => [f.name, f.purposeLabel, f.state])).toEqual([
    ['规培证明.pdf', '培训考核合格证明', 'waiting'],
  ])
  expect(fake.calls).toContainEqual(['actionSheet', ['拍照', '从相册选择', '从聊天记录选择文件']])

  await page.onSubmit()
  await settle()
  expect(created[0]).toEqual({
    kind: 'register',
    institution_id: 2,
    practice_region_code: '110101',
    practice_scopes: ['内科专业'],
    residency_training: true,
  })
  expect(uploads[0]).toEqual({
    filePath: '/tmp/training-proof.pdf',
    name: 'file',
    formData: { purpose: 'training_proof' },
  })
  expect(page.data.files[0]).toMatchObject({ state: 'done', progress: 100 })
  expect(fake.requests.map((r) => r.path)).toContain('/registry/applications/5/submit')
  expect(fake.calls).toContainEqual(['navigateBack'])
})

test('a failed upload keeps the draft: the retry uploads the rest and submits, never a second draft', async () => {
  const fake = installFakeWx()
  fake.signIn()
  seed(fake)
  let drafts = 0
  fake.route('POST', '/registry/applications', () => {
    drafts += 1
    return { statusCode: 201, data: app({ id: 6, status: 'draft' }) }
  })
  let fail = true
  fake.route('POST', '/registry/applications/6/attachments', () =>
    fail ? fake.error(415, 'UPLOAD_TYPE_INVALID', '文件类型不支持') : { statusCode: 201, data: app({ id: 6 }) },
  )
  fake.route('POST', '/registry/applications/6/submit', app({ id: 6, status: 'submitted' }))
  // fallback form (no /lookups/application-kinds on this server): multi-site filing asks for the institution
  const { page, comp } = await loadPage('registration/pages/application-form/index', {
    fake,
    query: { kind: 'multi_site_file' },
  })
  expect(page.data.fields.map((f) => [f.name, f.type])).toEqual([['institution_id', 'institution']])
  page.onInstitution({
    currentTarget: { dataset: { key: 'institution_id' } },
    detail: { id: 3, name: '朝阳区社区卫生服务中心' },
  })
  await page.onAddFile()
  await settle()
  await page.onSubmit()
  await settle()
  expect(page.data.files[0].state).toBe('failed')
  expect(text(comp)).toContain('文件类型不支持')
  fail = false
  await page.onSubmit()
  await settle()
  expect(drafts).toBe(1)
  expect(page.data.files[0].state).toBe('done')
  expect(fake.calls).toContainEqual(['navigateBack'])
})

test('the wrong user: a physician who may not apply sees the server refusal, nothing submitted', async () => {
  const fake = installFakeWx()
  fake.signIn()
  seed(fake)
  fake.route(
    'POST',
    '/registry/applications',
    fake.error(409, 'APPLICATION_NOT_ALLOWED', '您已有有效执业注册，不能办理首次注册'),
  )
  const { page, comp } = await loadPage('registration/pages/application-form/index', {
    fake,
    query: { kind: 'cancel' },
  })
  page.onField({ currentTarget: { dataset: { key: 'reason' } }, detail: { value: '退休' } })
  await page.onSubmit()
  await settle()
  expect(text(comp)).toContain('您已有有效执业注册，不能办理首次注册')
  expect(fake.requests.filter((r) => /submit$/.test(r.path))).toHaveLength(0)
})
