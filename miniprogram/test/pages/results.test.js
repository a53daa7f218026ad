/** Results of this and the past two cycles per practice site, the notice, and 成绩有问题 (issue 18). */
const { loadPage, installFakeWx, settle, text } = require('../support/load-page')
const { RESULTS_BY_CYCLE } = require('../support/fixtures')

test('this cycle and the past ones, each per practice site, scores and the notice; appeal only while allowed', async () => {
  const fake = installFakeWx()
  fake.signIn()
  fake.route('GET', '/assessment/results', RESULTS_BY_CYCLE)
  let auth = null
  fake.route('GET', '/assessment/results/11/notice.pdf', (req) => {
    auth = req.header.Authorization
    return { statusCode: 200, data: '', tempFilePath: '/tmp/notice-11.pdf' }
  })
  const { page, comp } = await loadPage('assessment/pages/result/index', { fake })
  const t = text(comp)
  expect(page.data.cycles.map((c) => [c.cycleName, c.current, c.resultText])).toEqual([
    ['2024—2026年度', true, '合格'],
    ['2021—2023年度', false, '合格'],
  ])
  expect(t).toContain('朝阳区社区卫生服务中心')
  expect(t).toContain('已备案，随主执业机构考核')
  expect(t).toContain('主执业机构')
  expect(t).toContain('申诉不成立')
  expect(page.data.cycles.map((c) => c.canAppeal)).toEqual([true, false])
  expect(comp.querySelector('#appeal-21')).toBeTruthy()
  expect(comp.querySelector('#appeal-11')).toBeFalsy()

  await page.onNotice({ currentTarget: { dataset: { url: page.data.cycles[1].noticeUrl } } })
  await settle()
  expect(auth).toBe('Bearer at-1')
  expect(fake.wx.openDocument).toHaveBeenCalledWith(expect.objectContaining({ filePath: '/tmp/notice-11.pdf' }))
  page.onAppeal({ currentTarget: { dataset: { id: 21 } } })
  expect(fake.calls).toContainEqual([
    'navigateTo',
    `/assessment/pages/appeal/index?id=21&cycle=${encodeURIComponent('2024—2026年度')}`,
  ])
  page.onAppealDetail({ currentTarget: { dataset: { id: 5 } } })
  expect(fake.calls).toContainEqual(['navigateTo', '/assessment/pages/appeal/index?appeal=5'])
})

function appealOut(extra = {}) {
  return {
    id: 6,
    assessment_id: 21,
    cycle_name: '2024—2026年度',
    reason: '业务水平测评成绩与作答不符',
    status: 'pending',
    status_label: '待处理',
    decision_note: null,
    file_name: '答题截图.png',
    file_url: '/api/v1/assessment/appeals/6/file',
    review_item_id: 60,
    created_at: '2026-06-22T10:00:00+08:00',
    decided_at: null,
    ...extra,
  }
}

test('成绩有问题: the problem is required, a file goes with it (rules shown first), then where it stands', async () => {
  const fake = installFakeWx()
  fake.signIn()
  const sent = []
  fake.route('POST', '/assessment/results/21/appeals', (req) => {
    sent.push(req.data)
    return { statusCode: 201, data: appealOut() }
  })
  const { page, comp } = await loadPage('assessment/pages/appeal/index', {
    fake,
    query: { id: '21', cycle: encodeURIComponent('2024—2026年度') },
  })
  expect(text(comp)).toContain('文件不超过 4 MB')
  expect(text(comp)).toContain('2024—2026年度')
  await page.onSubmit()
  await settle()
  expect(page.data.errors.reason).toBe('请写明成绩有什么问题')
  expect(sent).toHaveLength(0)

  fake.wx.chooseMessageFile.mockImplementationOnce(({ success }) =>
    success({ tempFiles: [{ path: '/tmp/x.docx', name: '说明.docx', size: 1000 }] }),
  )
  page.onChooseFile()
  await settle()
  expect(page.data.errors.file).toBe('只能上传 PDF、JPG 或 PNG 文件')
  fake.wx.chooseMessageFile.mockImplementationOnce(({ success }) =>
    success({ tempFiles: [{ path: '/tmp/shot.png', name: '答题截图.png', size: 300000 }] }),
  )
  page.onChooseFile()
  await settle()
  page.onReason({ detail: { value: '业务水平测评成绩与作答不符' } })
  await page.onSubmit()
  await settle()
  expect(sent[0]).toEqual({
    filePath: '/tmp/shot.png',
    name: 'file',
    formData: { reason: '业务水平测评成绩与作答不符' },
  })
  expect(text(comp)).toContain('待处理')
  expect(text(comp)).toContain('考核机构正在处理')
})

test('an appeal without a file is JSON; a refusal (period over, another physician) is shown and nothing changes', async () => {
  const fake = installFakeWx()
  fake.signIn()
  let body = null
  fake.route('POST', '/assessment/results/21/appeals', (req) => {
    body = req.data
    return fake.error(409, 'APPEAL_NOT_ALLOWED', '结果公布已超过 30 天，不能再申诉')
  })
  const { page, comp } = await loadPage('assessment/pages/appeal/index', { fake, query: { id: '21', cycle: '' } })
  page.onReason({ detail: { value: '成绩有误' } })
  await page.onSubmit()
  await settle()
  expect(body).toEqual({ reason: '成绩有误' })
  expect(text(comp)).toContain('结果公布已超过 30 天，不能再申诉')
  expect(page.data.appeal).toBe(null)
})

test('an appeal decided: the decision and its note', async () => {
  const fake = installFakeWx()
  fake.signIn()
  fake.route(
    'GET',
    '/assessment/appeals/6',
    appealOut({
      status: 'upheld',
      status_label: '申诉成立',
      decision_note: '经复核，更正业务水平测评成绩为 85 分。',
      decided_at: '2026-06-25T10:00:00+08:00',
    }),
  )
  const { comp } = await loadPage('assessment/pages/appeal/index', { fake, query: { appeal: '6' } })
  const t = text(comp)
  expect(t).toContain('申诉成立')
  expect(t).toContain('经复核，更正业务水平测评成绩为 85 分。')
  expect(t).toContain('答题截图.png')
})
