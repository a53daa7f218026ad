const { loadPage, installFakeWx, settle, text } = require('../support/load-page')

const REVIEWER = { id: 5, role: 'institution_reviewer', phone: null }

function item(id, extra = {}) {
  return {
    id,
    kind: 'registry_info_change',
    title: '医师信息修改',
    subject_type: 'info_change_request',
    subject_id: String(id),
    status: 'pending',
    current_step: 0,
    step_count: 1,
    current_role: 'institution_reviewer',
    version: 1,
    submitted_at: '2026-06-01T02:00:00Z',
    decided_at: null,
    applicant: { id: 9, name: '张三', phone: '138****0001', id_number: '1101**********0012' },
    ...extra,
  }
}

function queueServer(fake) {
  fake.route('GET', '/reviews/queue/counts', {
    counts: { registry_info_change: 2, assessment_enrolment: 1, registry_photo: 0 },
    total: 3,
  })
  fake.route('GET', '/reviews/queue', (req) => ({
    items:
      req.query.kind === 'assessment_enrolment'
        ? [item(3, { kind: 'assessment_enrolment', title: '定期考核报名（信息确认）' })]
        : [item(1), item(2)],
    next_cursor: null,
  }))
  fake.route('GET', '/reviews/stats', { pending: 3, decided_today: 4, average_decision_hours: 1.5 })
}

test('queue: counts as tabs, items, stats; a tab filters by kind', async () => {
  const fake = installFakeWx()
  fake.signIn(REVIEWER)
  queueServer(fake)
  const { page, comp } = await loadPage('reviewer/pages/queue/index', { fake })
  expect(page.data.tabs.map((t) => [t.kind, t.count])).toEqual([
    ['', 3],
    ['registry_info_change', 2],
    ['assessment_enrolment', 1],
  ])
  // A tab is named by its kind even when none of its items is on the page.
  expect(page.data.tabs.map((t) => t.title)).toEqual(['全部', '医师信息修改', '定期考核报名（信息确认）'])
  expect(text(comp)).toContain('今日已审')
  expect(text(comp)).toContain('张三')
  await page.onTab({ currentTarget: { dataset: { kind: 'assessment_enrolment' } } })
  await settle()
  expect(page.data.items.map((i) => i.id)).toEqual([3])
  page.onOpen({ currentTarget: { dataset: { id: 3 } } })
  expect(fake.calls).toContainEqual(['navigateTo', '/reviewer/pages/detail/index?id=3&kind=assessment_enrolment'])
})

test('queue: ?kind= opens that kind; rows show the summary fields; a kind without items gets no tab', async () => {
  const fake = installFakeWx()
  fake.signIn(REVIEWER)
  queueServer(fake)
  const asked = []
  fake.route('GET', '/reviews/queue', (req) => {
    asked.push(req.query.kind)
    return {
      items: [
        item(3, {
          kind: 'assessment_enrolment',
          title: '定期考核报名（信息确认）',
          summary: [
            { label: '报考专业', value: '内科专业' },
            { label: '执业机构', value: '东城区示范医院' },
          ],
        }),
      ],
      next_cursor: null,
    }
  })
  const { page, comp } = await loadPage('reviewer/pages/queue/index', { fake, query: { kind: 'assessment_enrolment' } })
  expect(asked).toEqual(['assessment_enrolment'])
  expect(page.data.kind).toBe('assessment_enrolment')
  expect(page.data.tabs.map((t) => t.kind)).not.toContain('registry_photo')
  const t = text(comp)
  expect(t).toContain('报考专业')
  expect(t).toContain('东城区示范医院')
  expect(t).toContain('提交于 2026-06-01 10:00')
})

test('batch approve: select, confirm, per-item failures shown with the server reason', async () => {
  const fake = installFakeWx()
  fake.signIn(REVIEWER)
  queueServer(fake)
  fake.route('POST', '/reviews/batch-approve', (req) => {
    expect(req.data).toEqual({ ids: [1, 2] })
    return {
      results: [
        { id: 1, ok: true },
        { id: 2, ok: false, code: 'ALREADY_DECIDED', message: '该事项已被处理，请刷新后查看' },
      ],
      approved: 1,
    }
  })
  const { page, comp } = await loadPage('reviewer/pages/queue/index', { fake })
  expect(text(comp)).toContain('批量通过 (0)')
  page.onCheck({ currentTarget: { dataset: { id: 1 } } })
  expect(page.data.allSelected).toBe(false)
  page.onSelectAll()
  expect(page.data.selectedCount).toBe(2)
  expect(page.data.allSelected).toBe(true)
  await settle()
  expect(text(comp)).toContain('批量通过 (2)')
  await page.onBatchApprove()
  await settle()
  expect(text(comp)).toContain('已通过 1 项')
  expect(text(comp)).toContain('张三 · 医师信息修改：该事项已被处理，请刷新后查看')
  // 全选 twice clears the selection; nothing is sent without a selection
  page.onSelectAll()
  page.onSelectAll()
  expect(page.data.selectedCount).toBe(0)
  await page.onBatchApprove()
  expect(fake.requests.filter((r) => r.path === '/reviews/batch-approve')).toHaveLength(1)
})

test('queue: a physician is refused with the server message', async () => {
  const fake = installFakeWx()
  fake.signIn()
  fake.route('GET', '/reviews/queue/counts', fake.error(403, 'ROLE_FORBIDDEN', '当前账号无权使用此功能'))
  fake.route('GET', '/reviews/queue', fake.error(403, 'ROLE_FORBIDDEN', '当前账号无权使用此功能'))
  fake.route('GET', '/reviews/stats', fake.error(403, 'ROLE_FORBIDDEN', '当前账号无权使用此功能'))
  const { page, comp } = await loadPage('reviewer/pages/queue/index', { fake })
  expect(text(comp)).toContain('当前账号无权使用此功能')
  expect(page.data.items).toEqual([])
  expect(text(comp)).not.toContain('批量通过')
})

test('detail: a physician is refused with the server message and no data', async () => {
  const fake = installFakeWx()
  fake.signIn()
  fake.route('GET', '/reviews/items/1', fake.error(403, 'ROLE_FORBIDDEN', '当前账号无权使用此功能'))
  const { page, comp } = await loadPage('reviewer/pages/detail/index', { fake, query: { id: '1' } })
  expect(text(comp)).toContain('当前账号无权使用此功能')
  expect(page.data.item).toBeNull()
  expect(text(comp)).not.toContain('通过')
})

function detailServer(fake) {
  fake.route('GET', '/reviews/items/1', {
    ...item(1),
    payload: { education: '硕士', school: '北京大学医学部' },
    attachments: [
      { name: '学历证书.jpg', purpose: 'other', url: '/api/v1/registry/applications/3/attachments/0' },
      { proof_id: 41 },
      { note: 'nothing to fetch' },
    ],
    history: [
      {
        id: 1,
        step: 0,
        action: 'submit',
        actor_id: 9,
        actor_name: '张三',
        reason: null,
        comment: null,
        attachments: [],
        created_at: '2026-06-01T02:00:00Z',
      },
    ],
  })
}

test('detail: payload, attachments, history; reject needs a reason; the version seen is sent', async () => {
  const fake = installFakeWx()
  fake.signIn(REVIEWER)
  detailServer(fake)
  let body = null
  fake.route('POST', '/reviews/items/1/reject', (req) => {
    body = req.data
    return { ...item(1), status: 'rejected' }
  })
  const { page, comp } = await loadPage('reviewer/pages/detail/index', { fake, query: { id: '1' } })
  const t = text(comp)
  expect(t).toContain('学历')
  expect(t).toContain('硕士')
  expect(t).toContain('学历证书.jpg')
  expect(t).toContain('证明材料 2')
  expect(page.data.attachments.map((a) => a.openable)).toEqual([true, true, false])
  expect(t).toContain('提交 · 张三')
  expect(t).toContain('1101**********0012')

  page.choose({ currentTarget: { dataset: { action: 'reject' } } })
  await page.onDecide()
  await settle()
  expect(text(comp)).toContain('请填写不通过的原因')
  expect(body).toBeNull()

  page.onInput({ currentTarget: { dataset: { field: 'reason' } }, detail: { value: '学历证书不清晰' } })
  await page.onDecide()
  await settle()
  expect(body).toEqual({ reason: '学历证书不清晰', version: 1 })
  expect(text(comp)).toContain('已驳回')
  expect(text(comp)).toContain('下一条')
})

test('detail: after a decision 下一条 opens the next item of the queue, or back to the queue when none', async () => {
  const fake = installFakeWx()
  fake.signIn(REVIEWER)
  detailServer(fake)
  fake.route('POST', '/reviews/items/1/approve', { ...item(1), status: 'approved' })
  let queue = [item(1), item(2)]
  fake.route('GET', '/reviews/queue', (req) => {
    expect(req.query.kind).toBe('registry_info_change')
    return { items: queue, next_cursor: null }
  })
  const { page } = await loadPage('reviewer/pages/detail/index', {
    fake,
    query: { id: '1', kind: 'registry_info_change' },
  })
  page.choose({ currentTarget: { dataset: { action: 'approve' } } })
  await page.onDecide()
  await settle()
  expect(page.data.decided).toBe('已通过')
  await page.onNext()
  expect(fake.calls).toContainEqual(['redirectTo', '/reviewer/pages/detail/index?id=2&kind=registry_info_change'])
  queue = [item(1)]
  await page.onNext()
  expect(fake.calls).toContainEqual(['toast', '队列中已没有待审核事项'])
  expect(fake.calls).toContainEqual(['navigateBack'])
})

test('detail: a photo change shows the current and the new photo side by side, fetched with the token', async () => {
  const fake = installFakeWx()
  fake.signIn(REVIEWER)
  fake.route('GET', '/reviews/items/8', {
    ...item(8, { kind: 'registry_photo', title: '医师相片更新' }),
    payload: { request_id: 5 },
    attachments: [],
    files: [
      { role: 'new_photo', label: '新相片', href: '/api/v1/registry/info-changes/5/photo', media_type: 'image/jpeg' },
      {
        role: 'current_photo',
        label: '当前相片',
        href: '/api/v1/registry/info-changes/5/current-photo',
        media_type: 'image/jpeg',
      },
    ],
    history: [],
  })
  const got = []
  fake.route('GET', '/registry/info-changes/5/photo', (req) => {
    got.push([req.path, req.header.Authorization])
    return { statusCode: 200, data: '', tempFilePath: '/tmp/new.jpg' }
  })
  fake.route('GET', '/registry/info-changes/5/current-photo', (req) => {
    got.push([req.path, req.header.Authorization])
    return { statusCode: 200, data: '', tempFilePath: '/tmp/current.jpg' }
  })
  const { page, comp } = await loadPage('reviewer/pages/detail/index', { fake, query: { id: '8' } })
  await settle()
  expect(got).toEqual(
    expect.arrayContaining([
      ['/registry/info-changes/5/photo', 'Bearer at-1'],
      ['/registry/info-changes/5/current-photo', 'Bearer at-1'],
    ]),
  )
  expect(page.data.photoPair.next.src).toBe('/tmp/new.jpg')
  expect(page.data.photoPair.current.src).toBe('/tmp/current.jpg')
  expect(text(comp)).toContain('相片对比')
  expect(text(comp)).not.toContain('request_id')
  page.onPreviewImage({ currentTarget: { dataset: { src: '/tmp/new.jpg' } } })
  expect(fake.calls).toContainEqual(['previewImage', ['/tmp/new.jpg']])
})

test('detail: an application prints its form (downloaded, opened); a PDF attachment opens; a failed one says why', async () => {
  const fake = installFakeWx()
  fake.signIn({ id: 6, role: 'commission_reviewer', username: 'bj_commission' })
  fake.route('GET', '/reviews/items/9', {
    ...item(9, { kind: 'registry_register', title: '注册', subject_type: 'business_application', step_count: 2 }),
    payload: { application_id: 12, kind: 'register', kind_title: '注册' },
    attachments: [],
    files: [
      {
        role: 'form',
        label: '申请表',
        href: '/api/v1/registry/applications/12/form.pdf',
        media_type: 'application/pdf',
      },
      {
        role: 'attachment',
        label: '学历证书',
        href: '/api/v1/registry/applications/12/attachments/0',
        media_type: 'application/pdf',
      },
    ],
    history: [],
  })
  fake.route('GET', '/registry/applications/12/form.pdf', { statusCode: 200, data: '', tempFilePath: '/tmp/form.pdf' })
  fake.route('GET', '/registry/applications/12/attachments/0', fake.error(404, 'NOT_FOUND', '附件不存在'))
  const { page, comp } = await loadPage('reviewer/pages/detail/index', { fake, query: { id: '9' } })
  expect(text(comp)).toContain('打印申请表')
  expect(page.data.formApplicationId).toBe(12)
  await page.onPrintForm()
  expect(fake.wx.openDocument).toHaveBeenCalledWith(expect.objectContaining({ filePath: '/tmp/form.pdf' }))
  await page.onOpenDocument({ currentTarget: { dataset: { index: 0 } } })
  await settle()
  expect(text(comp)).toContain('请求的内容不存在') // the fake's download has no body to read: the 404's words
  expect(fake.wx.openDocument).toHaveBeenCalledTimes(1)
  expect(text(comp)).not.toMatch(/application_id|kind_title/)
})

test('detail: approve and return; a colleague deciding first shows the message and reloads', async () => {
  const fake = installFakeWx()
  fake.signIn(REVIEWER)
  detailServer(fake)
  fake.route('POST', '/reviews/items/1/approve', fake.error(409, 'ALREADY_DECIDED', '该事项已被处理，请刷新后查看'))
  const { page, comp } = await loadPage('reviewer/pages/detail/index', { fake, query: { id: '1' } })
  page.choose({ currentTarget: { dataset: { action: 'approve' } } })
  await page.onDecide()
  await settle()
  expect(fake.calls).toContainEqual(['toast', '该事项已被处理，请刷新后查看'])
  expect(text(comp)).toContain('该事项已被处理，请刷新后查看')
  expect(fake.requests.filter((r) => r.path === '/reviews/items/1')).toHaveLength(2)

  let returned = null
  fake.route('POST', '/reviews/items/1/return', (req) => {
    returned = req.data
    return { ...item(1), status: 'returned' }
  })
  page.choose({ currentTarget: { dataset: { action: 'return' } } })
  page.onInput({ currentTarget: { dataset: { field: 'reason' } }, detail: { value: '请补充毕业证' } })
  await page.onDecide()
  expect(returned).toEqual({ reason: '请补充毕业证', version: 1 })
  expect(fake.calls).toContainEqual(['toast', '已退回'])
})

test('history: my decisions with reasons', async () => {
  const fake = installFakeWx()
  fake.signIn(REVIEWER)
  fake.route('GET', '/reviews/history', {
    items: [
      {
        id: 4,
        item_id: 1,
        kind: 'registry_info_change',
        step: 0,
        action: 'reject',
        reason: '材料不全',
        comment: null,
        created_at: '2026-06-01T02:00:00Z',
      },
    ],
    next_cursor: null,
  })
  const { comp } = await loadPage('reviewer/pages/history/index', { fake })
  expect(text(comp)).toContain('不通过')
  expect(text(comp)).toContain('原因：材料不全')
  expect(text(comp)).toContain('#1 医师信息修改')
  expect(text(comp)).toContain('2026-06-01 10:00') // Asia/Shanghai
})

test('detail: an assessment enrolment shows its nested registry data in words, internal ids hidden', async () => {
  const fake = installFakeWx()
  fake.signIn(REVIEWER)
  fake.route('GET', '/reviews/items/7', {
    ...item(7, { kind: 'assessment_enrolment', title: '定期考核报名（信息确认）', subject_type: 'assessment' }),
    payload: {
      cycle_id: 3,
      specialty: '内科专业',
      contact_phone: null,
      registry: {
        practice: { category: 'clinical', practice_scopes: ['内科专业', '全科医学专业'], institution_id: 2 },
        multi_sites: [],
      },
      simplified_conditions: [{ code: 'no_bad_record', label: '连续两个周期考核合格' }],
    },
    attachments: [],
    history: [],
  })
  const { page, comp } = await loadPage('reviewer/pages/detail/index', { fake, query: { id: '7' } })
  const fields = Object.fromEntries(page.data.fields.map((f) => [f.label, f.value]))
  expect(Object.keys(fields)).not.toContain('cycle_id')
  expect(fields['报考专业']).toBe('内科专业')
  expect(fields['注册信息']).toBe('执业注册：执业类别：临床；执业范围：内科专业、全科医学专业；多机构备案：—')
  expect(fields['简易程序条件']).toBe('连续两个周期考核合格')
  expect(text(comp)).toContain('内科专业')
})

test('detail: a self-evaluation names its procedure in words, never its code', async () => {
  const fake = installFakeWx()
  fake.signIn(REVIEWER)
  fake.route('GET', '/reviews/items/8', {
    ...item(8, { kind: 'assessment_self_evaluation', title: '定期考核自评', subject_type: 'assessment' }),
    payload: {
      procedure: 'simplified',
      simplified_conditions: [{ code: 'no_bad_record', label: '连续两个周期考核合格' }],
      self_evaluation: { practice_record: '无不良记录', work_report: '述职' },
      specialty: '内科专业',
    },
    attachments: [],
    history: [],
  })
  const { page, comp } = await loadPage('reviewer/pages/detail/index', { fake, query: { id: '8' } })
  const fields = Object.fromEntries(page.data.fields.map((f) => [f.label, f.value]))
  expect(fields['考核程序']).toBe('简易程序')
  expect(fields['自评']).toBe('执业行为记录：无不良记录；个人述职报告：述职')
  expect(text(comp)).not.toContain('simplified')
})

test('detail: attachments are fetched with the token; a photo previewed, a PDF opened', async () => {
  const fake = installFakeWx()
  fake.signIn(REVIEWER)
  detailServer(fake)
  const downloaded = []
  fake.route('GET', '/registry/applications/3/attachments/0', (req) => {
    downloaded.push([req.path, req.header.Authorization])
    return { statusCode: 200, data: '', tempFilePath: '/tmp/dl-0.jpg' }
  })
  fake.route('GET', '/assessment/proofs/41', (req) => {
    downloaded.push([req.path, req.header.Authorization])
    return { statusCode: 200, data: '' }
  })
  const { page } = await loadPage('reviewer/pages/detail/index', { fake, query: { id: '1' } })
  await page.onPreview({ currentTarget: { dataset: { index: 0 } } })
  await page.onPreview({ currentTarget: { dataset: { index: 1 } } })
  await page.onPreview({ currentTarget: { dataset: { index: 2 } } })
  await settle()
  expect(downloaded).toEqual([
    ['/registry/applications/3/attachments/0', 'Bearer at-1'],
    ['/assessment/proofs/41', 'Bearer at-1'],
  ])
  expect(fake.calls).toContainEqual(['previewImage', ['/tmp/dl-0.jpg']])
  expect(fake.wx.openDocument).toHaveBeenCalledWith(
    expect.objectContaining({ filePath: '/tmp/fake-download.pdf', fileType: 'pdf' }),
  )
  expect(fake.wx.openDocument).toHaveBeenCalledTimes(1)
})
