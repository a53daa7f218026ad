const { loadPage, installFakeWx, settle, text } = require('../support/load-page')

const T0 = Date.parse('2026-06-01T02:00:00Z')

function attemptJson(extra = {}) {
  return {
    attempt_ref: 'att-9',
    exam_kind: 'professional',
    status: 'in_progress',
    started_at: '2026-06-01T02:00:00Z',
    deadline_at: '2026-06-01T03:00:00Z',
    server_time: '2026-06-01T02:30:00Z',
    current_section: 'law',
    sections: [
      { section: 'law', title: '法律法规', question_count: 2, pass_mark: 60, status: 'open', score: null },
      { section: 'professional', title: '专业知识', question_count: 1, pass_mark: 60, status: 'locked', score: null },
    ],
    questions: [
      {
        question_ref: 'q1',
        section: 'law',
        type: 'single',
        stem: '医师法施行日期？',
        options: [
          { option_id: 'a', text: 'A. 2022年3月1日' },
          { option_id: 'b', text: 'B. 2021年' },
        ],
      },
      {
        question_ref: 'q2',
        section: 'law',
        type: 'multiple',
        stem: '多选题',
        options: [
          { option_id: 'a', text: 'A' },
          { option_id: 'b', text: 'B' },
        ],
      },
      {
        question_ref: 'q3',
        section: 'professional',
        type: 'single',
        stem: '人文题',
        options: [{ option_id: 'a', text: 'A' }],
      },
    ],
    answers: [],
    ...extra,
  }
}

function examServer(fake, attempt) {
  const state = { attempt, saves: [] }
  fake.route('POST', '/exams/professional/attempts', (req) => {
    state.startBody = req.data
    return { statusCode: 201, data: state.attempt }
  })
  fake.route('GET', '/exams/attempts/att-9', (req) => {
    state.resumeDevice = req.header['X-Device-Id']
    return state.attempt
  })
  fake.route('PUT', /^\/exams\/attempts\/att-9\/answers\//, (req) => {
    const q = req.path.split('/').pop()
    state.saves.push({ q, ...req.data, device: req.header['X-Device-Id'] })
    return {
      question_ref: q,
      seq: req.data.seq,
      saved_at: 'x',
      server_time: '2026-06-01T02:31:00Z',
      deadline_at: '2026-06-01T03:00:00Z',
      applied: true,
    }
  })
  // Proctoring photos: one due 10 s after the page opens (server clock 02:30:00), one taken already.
  fake.route('GET', '/proctoring/attempts/att-9/schedule', {
    attempt_ref: 'att-9',
    started_at: '2026-06-01T02:00:00Z',
    server_time: '2026-06-01T02:30:00Z',
    offsets_s: [600, 1810],
    due_at: ['2026-06-01T02:10:00Z', '2026-06-01T02:30:10Z'],
    taken_slots: [0],
    grace_s: 120,
    closed: false,
  })
  state.snapshots = []
  fake.route('POST', '/proctoring/attempts/att-9/snapshots', (req) => {
    state.snapshots.push(req.data)
    return {
      statusCode: 201,
      data: {
        snapshot_id: 5,
        slot: 1,
        accepted: false,
        flagged: true,
        outcome: 'FACE_NOT_FOUND',
        message: '未检测到人脸，请正对摄像头',
        image_id: 'img-1',
        measurements: {},
      },
    }
  })
  // finish and submit answer with the whole attempt (AttemptOut), as the server does.
  fake.route('POST', '/exams/attempts/att-9/sections/law/finish', () => {
    state.attempt = { ...state.attempt, current_section: 'professional' }
    return state.attempt
  })
  fake.route('POST', '/exams/attempts/att-9/submit', () => ({
    ...state.attempt,
    status: 'scored',
    end_reason: 'submitted',
    score: 80,
    passed: true,
  }))
  fake.route('POST', '/me/subscriptions', (req) => {
    state.subscribed = req.data
    return { ok: true }
  })
  return state
}

beforeEach(() => {
  jest.useFakeTimers({ now: T0 })
})
afterEach(() => jest.useRealTimers())

test('proctoring photos: the remaining slot is photographed when due by the server clock; a refusal is shown', async () => {
  const fake = installFakeWx()
  fake.signIn()
  const state = examServer(fake, attemptJson())
  const { comp } = await loadPage('exam/pages/attempt/index', {
    fake,
    query: { kind: 'professional', capture: 'cap-1' },
  })
  await settle()
  expect(state.snapshots).toHaveLength(0)
  jest.advanceTimersByTime(9000)
  await settle()
  expect(state.snapshots).toHaveLength(0)
  jest.advanceTimersByTime(1500)
  await settle()
  await settle()
  expect(state.snapshots).toHaveLength(1)
  expect(state.snapshots[0].name).toBe('image')
  expect(text(comp)).toContain('监考拍照：未检测到人脸，请正对摄像头')
})

test('starts with the capture id, counts down from the server deadline by the server clock', async () => {
  const fake = installFakeWx()
  fake.signIn()
  const server = examServer(fake, attemptJson())
  const { page, comp } = await loadPage('exam/pages/attempt/index', {
    fake,
    query: { kind: 'professional', capture: 'cap-1' },
  })
  expect(server.startBody.capture_id).toBe('cap-1')
  expect(server.startBody.device_id).toMatch(/^mp-/)
  // Server time 02:30, deadline 03:00 → 30 minutes, whatever the phone's clock says (02:00).
  expect(page.data.remainingMs).toBe(30 * 60000)
  expect(text(comp)).toContain('剩余 30:00')
  jest.advanceTimersByTime(5000)
  expect(text(comp)).toContain('剩余 29:55')
  expect(text(comp)).toContain('医师法施行日期？')
  expect(fake.wx.getStorageSync('exam:current')).toBe('att-9')
  page.onUnload()
})

test('an answer shows at once and is saved; offline shows the offline state and retries', async () => {
  const fake = installFakeWx()
  fake.signIn()
  const server = examServer(fake, attemptJson())
  const { page, comp } = await loadPage('exam/pages/attempt/index', {
    fake,
    query: { kind: 'professional', capture: 'cap-1' },
  })
  page.onSelect({ currentTarget: { dataset: { id: 'a' } } })
  await settle()
  expect(page.data.question.options[0].checked).toBe(true)
  expect(server.saves).toEqual([{ q: 'q1', option_ids: ['a'], seq: 1, device: server.startBody.device_id }])
  expect(text(comp)).toContain('已保存')

  fake.setOffline(true)
  page.onSelect({ currentTarget: { dataset: { id: 'b' } } })
  await settle()
  expect(page.data.question.options[1].checked).toBe(true)
  expect(text(comp)).toContain('网络已断开，答案保存在本机，联网后自动提交（1 题待保存）')

  fake.setOffline(false)
  jest.advanceTimersByTime(1000)
  await settle()
  expect(server.saves[1]).toMatchObject({ q: 'q1', option_ids: ['b'], seq: 2 })
  expect(text(comp)).toContain('已保存')
  page.onUnload()
})

test('section gate: the law section is finished before the next opens; then submit asks for the result message', async () => {
  const fake = installFakeWx()
  fake.signIn()
  const server = examServer(fake, attemptJson())
  const { page, comp } = await loadPage('exam/pages/attempt/index', {
    fake,
    query: { kind: 'professional', capture: 'cap-1' },
  })
  expect(comp.querySelector('#finish-section')).toBeTruthy()
  expect(comp.querySelector('#submit')).toBeFalsy()
  await page.onFinishSection()
  await settle()
  expect(page.data.currentSection).toBe('professional')
  expect(text(comp)).toContain('人文题')
  expect(comp.querySelector('#submit')).toBeTruthy()

  await page.onSubmit()
  await settle()
  expect(fake.wx.requestSubscribeMessage).toHaveBeenCalled()
  expect(server.subscribed.template_ids).toEqual(['dev-assessment-result-tmpl-00000000000001'])
  expect(fake.requests.map((r) => r.path)).toContain('/exams/attempts/att-9/submit')
  expect(fake.calls).toContainEqual(['redirectTo', '/exam/pages/results/index?ref=att-9'])
  expect(fake.wx.getStorageSync('exam:current')).toBe('')
})

test('resume after the app was killed: server answers shown, the queued answer sent with the device id', async () => {
  const fake = installFakeWx()
  fake.signIn()
  const server = examServer(fake, attemptJson({ answers: [{ question_ref: 'q1', option_ids: ['a'], seq: 1 }] }))
  fake.wx.setStorageSync('exam:attempt:att-9', { pending: { q2: { option_ids: ['b'], seq: 2 } }, seq: 2 })
  fake.wx.setStorageSync('device_id', 'mp-dev-1')
  const { page } = await loadPage('exam/pages/attempt/index', { fake, query: { ref: 'att-9' } })
  await settle()
  expect(server.resumeDevice).toBe('mp-dev-1')
  expect(page.data.question.options[0].checked).toBe(true)
  expect(server.saves).toEqual([{ q: 'q2', option_ids: ['b'], seq: 2, device: 'mp-dev-1' }])
  expect(page.data.answeredCount).toBe(2)
  page.onUnload()
})

test('no usable face capture: back to the capture page', async () => {
  const fake = installFakeWx()
  fake.signIn()
  fake.route('POST', '/exams/humanities/attempts', fake.error(409, 'FACE_CAPTURE_REQUIRED', '请先完成考前人脸采集'))
  await loadPage('exam/pages/attempt/index', { fake, query: { kind: 'humanities', capture: 'old' } })
  expect(fake.calls).toContainEqual(['redirectTo', '/exam/pages/capture/index?kind=humanities'])
})

test('capture: consent first; a refused photo shows the server reasons; an accepted one starts the exam', async () => {
  jest.useRealTimers()
  const fake = installFakeWx()
  fake.signIn()
  fake.route('GET', '/proctoring/consent', {
    version: '2026-01',
    purpose: '考前核验本人身份',
    retention: '考试结束后 180 天删除',
    retention_days: 180,
    viewers: ['考核机构'],
    text: '为确认本人参加考试……',
    accepted: false,
    accepted_at: null,
  })
  let consentBody = null
  fake.route('POST', '/proctoring/consent', (req) => {
    consentBody = req.data
    return { statusCode: 201, data: { version: '2026-01', accepted_at: '2026-06-01T02:00:00Z' } }
  })
  fake.route(
    'POST',
    '/proctoring/captures',
    fake.error(422, 'FACE_NOT_FOUND', '未检测到人脸，请正对摄像头并适当靠近，保持面部完整、清晰、光线充足', {
      details: { faces: 0 },
    }),
  )
  const { page, comp } = await loadPage('exam/pages/capture/index', { fake, query: { kind: 'humanities' } })
  expect(text(comp)).toContain('人脸采集告知')
  expect(comp.querySelector('.camera')).toBeFalsy()
  expect(text(comp)).toContain('考试结束后 180 天删除')
  await page.onConsent()
  await settle()
  expect(consentBody).toEqual({ version: '2026-01' })
  expect(comp.querySelector('.camera')).toBeTruthy()

  await page.onCapture()
  await settle()
  expect(text(comp)).toContain('未检测到人脸，请正对摄像头')
  expect(text(comp)).toContain('重新拍摄')
  const upload = fake.requests.find((r) => r.path === '/proctoring/captures')
  expect(upload.data).toEqual({ filePath: '/tmp/face.jpg', name: 'image', formData: { exam_kind: 'humanities' } })

  fake.route('POST', '/proctoring/captures', {
    statusCode: 201,
    data: { capture_id: 'cap-7', accepted: true, measurements: {} },
  })
  await page.onCapture()
  expect(fake.calls).toContainEqual(['redirectTo', '/exam/pages/attempt/index?kind=humanities&capture=cap-7'])
})

test('capture refused with accepted: false shows the reasons the server listed', async () => {
  jest.useRealTimers()
  const fake = installFakeWx()
  fake.signIn()
  fake.route('GET', '/proctoring/consent', { accepted: true })
  fake.route('POST', '/proctoring/captures', {
    statusCode: 201,
    data: { capture_id: 'cap-8', accepted: false, measurements: { reasons: ['光线过暗，请到明亮处拍摄'] } },
  })
  const { page, comp } = await loadPage('exam/pages/capture/index', { fake, query: { kind: 'professional' } })
  await page.onCapture()
  await settle()
  expect(text(comp)).toContain('光线过暗，请到明亮处拍摄')
  expect(fake.calls.find((c) => c[0] === 'redirectTo')).toBeUndefined()
})

test('a law section not passed ends the attempt: on to the results', async () => {
  const fake = installFakeWx()
  fake.signIn()
  const server = examServer(fake, attemptJson())
  fake.route('POST', '/exams/attempts/att-9/sections/law/finish', () => {
    server.attempt = {
      ...server.attempt,
      status: 'scored',
      end_reason: 'law_gate',
      current_section: null,
      score: 40,
      passed: false,
    }
    return server.attempt
  })
  const { page } = await loadPage('exam/pages/attempt/index', {
    fake,
    query: { kind: 'professional', capture: 'cap-1' },
  })
  await page.onFinishSection()
  await settle()
  expect(fake.calls).toContainEqual(['redirectTo', '/exam/pages/results/index?ref=att-9'])
  expect(fake.wx.getStorageSync('exam:current')).toBe('')
})

test('the exam explains its rules: pass marks from the server before the start and at the end of the law section', async () => {
  const fake = installFakeWx()
  fake.signIn()
  fake.route('GET', '/exams', {
    items: [
      {
        exam_kind: 'professional',
        title: '业务水平测评（内科）',
        status: 'available',
        duration_minutes: 90,
        question_count: 100,
        window_closes_at: null,
        is_make_up: false,
        best_score: null,
        attempt_ref: null,
        pass_marks: { professional: 70, law: 55 },
      },
    ],
  })
  const list = await loadPage('exam/pages/index/index', { fake })
  const t = text(list.comp)
  // the server's numbers (55 / 70), law first, and what a fail means
  expect(list.page.data.items[0].rules.map((r) => r.text)).toEqual([
    '法律法规：合格线 55 分（百分制）',
    '专业知识：合格线 70 分（百分制）',
  ])
  expect(t).toContain('未达到 55 分，考试即结束，不再进入下一部分，本次测评不合格')
  expect(t).toContain('未达到 70 分，本次测评不合格')

  const attempt = await loadPage('exam/pages/attempt/index', {
    fake,
    query: { kind: 'professional', capture: 'cap-1' },
  })
  examServer(fake, attemptJson())
  await attempt.page.onLoad({ kind: 'professional', capture: 'cap-1' })
  await settle()
  expect(text(attempt.comp)).toContain('法律法规：合格线 60 分（百分制）：未达到 60 分，考试即结束')
  fake.wx.showModal.mockImplementationOnce((o) => {
    fake.calls.push(['modal', o.title, o.content])
    o.success({ confirm: false })
  })
  await attempt.page.onFinishSection()
  await settle()
  const modal = fake.calls.filter((c) => c[0] === 'modal').pop()
  expect(modal[2]).toContain('法律法规：合格线 60 分（百分制）；未达到 60 分，考试即结束')
  attempt.page.onUnload()
})

test('leaving a running attempt asks first; submitting lifts the guard; the proctoring preview is labelled', async () => {
  const fake = installFakeWx()
  fake.signIn()
  examServer(fake, attemptJson())
  const { page, comp } = await loadPage('exam/pages/attempt/index', {
    fake,
    query: { kind: 'professional', capture: 'cap-1' },
  })
  expect(fake.wx.enableAlertBeforeUnload).toHaveBeenCalledWith(
    expect.objectContaining({ message: expect.stringContaining('考试正在进行，计时不会暂停') }),
  )
  expect(text(comp)).toContain('监考拍照中')
  // the timer and the save state sit in their own boxes: the timer never wraps
  expect(comp.querySelector('.bar-timer')).toBeTruthy()
  expect(comp.querySelector('.bar-state')).toBeTruthy()
  page.onUnload()
  expect(fake.wx.disableAlertBeforeUnload).toHaveBeenCalled()
})

test('face-capture consent: readable, and 不同意 says what follows; nothing is recorded', async () => {
  const fake = installFakeWx()
  fake.signIn()
  fake.route('GET', '/proctoring/consent', {
    version: '2026.1',
    purpose: '考试身份核验与防作弊',
    retention: '考试结束后保存 90 天，到期自动删除',
    retention_days: 90,
    viewers: ['考核机构监考人员', '本人'],
    text: '为核实参加测评的是您本人，测评开始前和作答过程中将采集您的面部照片。',
    accepted: false,
    accepted_at: null,
  })
  const { page, comp } = await loadPage('exam/pages/capture/index', { fake, query: { kind: 'humanities' } })
  expect(text(comp)).toContain('谁能查看考核机构监考人员、本人')
  expect(comp.querySelector('#decline')).toBeTruthy()
  page.onDecline()
  await settle()
  expect(text(comp)).toContain('不同意则无法开始本次测评')
  expect(fake.requests.filter((r) => r.method === 'POST')).toHaveLength(0)
  page.onReconsider()
  await settle()
  expect(text(comp)).toContain('人脸采集告知')
  page.onLeave()
  expect(fake.calls).toContainEqual(['navigateBack'])
})

test('capture: the comparison is asked apart; declining is recorded and the non-face way is offered', async () => {
  jest.useRealTimers()
  const fake = installFakeWx()
  fake.signIn()
  fake.route('GET', '/proctoring/consent', { version: '2026-01', text: '告知', accepted: true, viewers: [] })
  fake.route('GET', '/proctoring/consent/comparison', {
    version: '2026-12',
    text: '《人脸比对单独同意书》将考前照片与证件照比对',
    purpose: '核验本人',
    retention: '随照片删除',
    decided: false,
    accepted: null,
  })
  let decision = null
  fake.route('POST', '/proctoring/consent/comparison', (req) => {
    decision = req.data
    return { statusCode: 200, data: { version: '2026-12', decided: true, accepted: false } }
  })
  const { page, comp } = await loadPage('exam/pages/capture/index', { fake, query: { kind: 'humanities' } })
  await settle()
  expect(text(comp)).toContain('人脸比对单独同意')
  expect(comp.querySelector('.camera')).toBeFalsy()
  await page.onCompareDecision({ currentTarget: { dataset: { accepted: 'no' } } })
  await settle()
  expect(decision).toEqual({ version: '2026-12', accepted: false })
  expect(comp.querySelector('.camera')).toBeTruthy()
  expect(text(comp)).toContain('申请人工核验身份')
  page.onIdentityCheck()
  expect(fake.calls).toContainEqual(['navigateTo', '/exam/pages/identity/index'])
})

test('capture: a mismatch is advice, not a refusal — guidance, retake, or start anyway', async () => {
  jest.useRealTimers()
  const fake = installFakeWx()
  fake.signIn()
  fake.route('GET', '/proctoring/consent', { accepted: true })
  fake.route('GET', '/proctoring/consent/comparison', { version: '2026-12', decided: true, accepted: true })
  fake.route('POST', '/proctoring/captures', {
    statusCode: 201,
    data: {
      capture_id: 'cap-9',
      accepted: true,
      measurements: {},
      face_match: {
        status: 'mismatch',
        distance: 0.71,
        threshold: 0.6,
        guidance: ['请在光线均匀、明亮的地方重新拍摄', '请摘下帽子、口罩和墨镜'],
      },
    },
  })
  const { page, comp } = await loadPage('exam/pages/capture/index', { fake, query: { kind: 'professional' } })
  await settle()
  await page.onCapture()
  await settle()
  expect(text(comp)).toContain('照片与证件照不太一致')
  expect(text(comp)).toContain('请摘下帽子、口罩和墨镜')
  expect(text(comp)).not.toContain('0.71')
  expect(fake.calls.find((c) => c[0] === 'redirectTo')).toBeUndefined()
  page.onRetake()
  await settle()
  expect(comp.querySelector('.camera')).toBeTruthy()
  await page.onCapture()
  await settle()
  page.onStartAnyway()
  expect(fake.calls).toContainEqual(['redirectTo', '/exam/pages/attempt/index?kind=professional&capture=cap-9'])
})

test('identity check: asked for with a reason; once approved the exam starts without a face capture', async () => {
  jest.useRealTimers()
  const fake = installFakeWx()
  fake.signIn()
  let checks = []
  let sent = null
  fake.route('GET', '/proctoring/identity-checks', () => ({ items: checks }))
  fake.route('POST', '/proctoring/identity-checks', (req) => {
    sent = req.data
    checks = [
      {
        id: 1,
        reason: 'unmatched',
        reason_label: '多次采集仍与证件照不一致',
        note: '',
        status: 'pending',
        created_at: '2026-06-01T10:00:00+08:00',
        valid_until: null,
      },
    ]
    return { statusCode: 201, data: checks[0] }
  })
  const { page, comp } = await loadPage('exam/pages/identity/index', { fake, query: { kind: 'professional' } })
  await settle()
  expect(text(comp)).toContain('现场或视频方式核验')
  page.onReason({ detail: { value: 'unmatched' } })
  page.onNote({ detail: { value: '下午方便' } })
  await page.onSubmit()
  await settle()
  expect(sent).toEqual({ reason: 'unmatched', note: '下午方便' })
  expect(text(comp)).toContain('待考核机构核验')
  expect(comp.querySelector('#submit')).toBeFalsy()

  checks = [{ ...checks[0], status: 'approved', valid_until: '2099-01-01T00:00:00+08:00' }]
  await page.onLoad({ kind: 'professional' })
  await settle()
  expect(text(comp)).toContain('无需人脸采集')
  page.onStartWithoutFace()
  expect(fake.calls).toContainEqual(['redirectTo', '/exam/pages/attempt/index?kind=professional&capture='])
})

test('face data: what is kept, until when and why, in words', async () => {
  jest.useRealTimers()
  const fake = installFakeWx()
  fake.signIn()
  fake.route('GET', '/proctoring/face-data', {
    retention_days: 180,
    capture_consent_at: '2026-06-01T09:00:00+08:00',
    compare_consent: false,
    reference_photo_approved_at: null,
    images: [
      {
        image_id: 'i1',
        kind: 'capture',
        purpose: '考前人脸采集',
        created_at: '2026-06-01T09:05:00+08:00',
        kept_until: '2026-11-28T09:05:00+08:00',
        match_status: 'not_compared',
        match_distance: null,
        has_embedding: false,
      },
    ],
    identity_checks: [],
  })
  const { comp } = await loadPage('exam/pages/face-data/index', { fake })
  await settle()
  const words = text(comp)
  expect(words).toContain('人脸比对')
  expect(words).toContain('不同意')
  expect(words).toContain('保存至 2026-11-28')
  expect(words).toContain('未比对：未同意人脸比对')
  expect(words).not.toContain('not_compared')
})
