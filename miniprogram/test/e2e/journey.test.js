/**
 * End to end: the mini-program's own services, over real HTTP, against a server this test starts
 * (`python -m server run` on a temp DATA_DIR, free ports, embedded Redis, the WeChat and Aliyun emulators).
 *
 * Covers: WeChat log-in with phone quick verification sign-up, SMS sign-up and log-in, password log-in, token
 * refresh (one refresh shared by concurrent requests), password change and sessions, the Chinese error messages,
 * the forgotten password, and the physician journey (activation, assessment binding, notice, enrolment reviewed
 * by the institution and the office, procedure and self-evaluation reviewed, face capture, exam with a resume,
 * result in the inbox).
 */
const { createWxBridge } = require('../support/wx-bridge')
const { startServer } = require('../support/server')

jest.setTimeout(180000)

let server
let bridge
let env
let store
let http
let auth
let account
let reviews
let inbox
let proctoring
let assessment
let registration
let ExamSession

const DEMO_PASSWORD = 'Yishi-Demo-2026'

beforeAll(async () => {
  server = await startServer()
  bridge = createWxBridge({ emulatorBase: server.emulatorBase })
  global.wx = bridge.wx
  env = require('../../config/env')
  env.setBaseUrl(server.baseUrl)
  store = require('../../utils/auth-store')
  http = require('../../utils/request')
  http.setSignedOutHandler(() => bridge.ui.push(['signedOut']))
  auth = require('../../services/auth')
  account = require('../../services/account')
  reviews = require('../../services/reviews')
  inbox = require('../../services/inbox')
  proctoring = require('../../services/proctoring')
  assessment = require('../../services/assessment')
  registration = require('../../services/registration')
  ExamSession = require('../../services/exam-session').ExamSession
})

afterAll(async () => {
  if (server) await server.stop()
})

function signOutLocally() {
  store.clear()
}

async function expectApiError(promise, code) {
  let caught = null
  try {
    await promise
  } catch (err) {
    caught = err
  }
  expect(caught).not.toBeNull()
  expect(caught.name).toBe('ApiError')
  expect(caught.code).toBe(code)
  expect(caught.message).toMatch(/[\u4e00-\u9fa5]/) // the server's Chinese sentence, shown as is
  return caught
}

test('WeChat log-in: unknown WeChat user signs up with phone quick verification, then logs straight in', async () => {
  bridge.useOpenid('e2e-openid-physician-1')
  const first = await auth.logInWithWechat()
  expect(first.needsBinding).toBe(true)
  expect(first.ticket).toBeTruthy()
  expect(store.isLoggedIn()).toBe(false)

  const phoneCode = await bridge.phoneCode('13911110001')
  const me = await auth.registerWithWechatPhone({ ticket: first.ticket, phoneCode })
  expect(me.role).toBe('physician')
  expect(me.phone).toBe('139****0001') // masked by the server
  expect(me.wechat_bound).toBe(true)
  expect(store.user().id).toBe(me.id)

  await auth.logOut()
  expect(store.isLoggedIn()).toBe(false)

  const again = await auth.logInWithWechat()
  expect(again.needsBinding).toBe(false)
  expect(again.user.id).toBe(me.id)
  expect(store.isLoggedIn()).toBe(true)
})

test('a used WeChat ticket is refused with the server message, and nothing is signed in', async () => {
  signOutLocally()
  bridge.useOpenid('e2e-openid-physician-2')
  const first = await auth.logInWithWechat()
  const phoneCode = await bridge.phoneCode('13911110002')
  await auth.registerWithWechatPhone({ ticket: first.ticket, phoneCode })
  signOutLocally()

  bridge.useOpenid('e2e-openid-physician-3')
  const other = await auth.logInWithWechat()
  const err = await expectApiError(
    auth.registerWithWechatPhone({ ticket: first.ticket, phoneCode }),
    'WECHAT_TICKET_INVALID',
  )
  expect(err.field).toBe('wechat_ticket')
  expect(other.needsBinding).toBe(true)
  expect(store.isLoggedIn()).toBe(false)
})

test('SMS fallback: sign up with an SMS code, then log in with another one', async () => {
  signOutLocally()
  const phone = '13911110003'
  bridge.useClientIp('10.1.0.3')
  await auth.sendSmsCode({ phone, purpose: 'register' })
  const code = await bridge.smsCode(phone)
  const me = await auth.registerWithSms({ phone, smsCode: code, password: 'Qiang-Mima-2026!' })
  expect(me.phone).toBe('139****0003')
  signOutLocally()

  // SMS log-in (one code a minute per phone and per address: the demo physician, from another phone).
  const demo = '13800000003'
  bridge.useClientIp('10.1.0.33')
  await auth.sendSmsCode({ phone: demo, purpose: 'login' })
  await expectApiError(auth.logInWithSms({ phone: demo, smsCode: '000000' }), 'SMS_CODE_INVALID')
  expect(store.isLoggedIn()).toBe(false)
  const again = await auth.logInWithSms({ phone: demo, smsCode: await bridge.smsCode(demo) })
  expect(again.role).toBe('physician')
  expect(again.id).not.toBe(me.id)
})

test('password log-in: wrong password gives the Chinese reason; right one signs in the demo physician', async () => {
  signOutLocally()
  const err = await expectApiError(
    auth.logInWithPassword({ login: '13800000001', password: 'wrong-password' }),
    'INVALID_CREDENTIALS',
  )
  expect(err.message).toBe('账号或密码错误')
  expect(store.isLoggedIn()).toBe(false)

  const me = await auth.logInWithPassword({ login: '13800000001', password: DEMO_PASSWORD })
  expect(me.role).toBe('physician')
  expect(me.real_name).toBeTruthy()
})

test('token refresh: a dead access token is refreshed once for concurrent requests, which then succeed', async () => {
  signOutLocally()
  await auth.logInWithPassword({ login: '13800000002', password: DEMO_PASSWORD })
  const before = store.refreshToken()
  // Corrupt the access token as an expired one would be refused.
  const saved = global.wx.getStorageSync('auth')
  store.reset()
  global.wx.setStorageSync('auth', { ...saved, accessToken: `${saved.accessToken}x` })

  const [a, b, c] = await Promise.all([auth.loadMe(), account.listSessions(), auth.loadMe()])
  expect(b.length).toBeGreaterThan(0)
  expect(c.id).toBe(a.id)
  expect(store.refreshToken()).not.toBe(before) // rotated exactly once: a second use would end the session
  const sessions = await account.listSessions()
  expect(sessions.filter((s) => s.current)).toHaveLength(1)
})

test('a refresh token that is no longer valid signs the user out, with the reason', async () => {
  const saved = global.wx.getStorageSync('auth')
  store.reset()
  global.wx.setStorageSync('auth', { ...saved, accessToken: 'garbage', refreshToken: 'not-a-refresh-token' })
  bridge.ui.length = 0
  await expectApiError(auth.loadMe(), 'TOKEN_INVALID')
  expect(store.isLoggedIn()).toBe(false)
  expect(bridge.ui).toContainEqual(['signedOut'])
})

test('settings: sessions on two devices, end the others, change the password', async () => {
  signOutLocally()
  const phone = '13911110004'
  bridge.useClientIp('10.1.0.4')
  await auth.sendSmsCode({ phone, purpose: 'register' })
  const first = await auth.registerWithSms({ phone, smsCode: await bridge.smsCode(phone), password: 'Diyi-Mima-2026!' })
  const otherDevice = global.wx.getStorageSync('auth')
  store.reset()
  global.wx.removeStorageSync('auth')
  await auth.logInWithPassword({ login: phone, password: 'Diyi-Mima-2026!' })

  let sessions = await account.listSessions()
  expect(sessions).toHaveLength(2)
  expect(sessions.filter((s) => s.current)).toHaveLength(1)
  expect(await account.endOtherSessions()).toBe(1)
  sessions = await account.listSessions()
  expect(sessions).toHaveLength(1)

  // The other device's token is now dead, and its refresh token too: it is signed out.
  const mine = global.wx.getStorageSync('auth')
  store.reset()
  global.wx.setStorageSync('auth', otherDevice)
  await expectApiError(auth.loadMe(), 'SESSION_ENDED')
  expect(store.isLoggedIn()).toBe(false)
  store.reset()
  global.wx.setStorageSync('auth', mine)

  await expectApiError(
    account.changePassword({ oldPassword: 'wrong', newPassword: 'Dier-Mima-2026!' }),
    'OLD_PASSWORD_WRONG',
  )
  await account.changePassword({ oldPassword: 'Diyi-Mima-2026!', newPassword: 'Dier-Mima-2026!' })
  expect((await auth.loadMe()).id).toBe(first.id) // new tokens stored: still signed in
  signOutLocally()
  await expectApiError(auth.logInWithPassword({ login: phone, password: 'Diyi-Mima-2026!' }), 'INVALID_CREDENTIALS')
  await auth.logInWithPassword({ login: phone, password: 'Dier-Mima-2026!' })
})

/*
 * The physician journey through every part of the server, with the reviewers' decisions in between: 陈晨
 * (13800000004, registered at 东城 and real-name checked, not activated) is activated by the code her hospital
 * sends by SMS, binds her assessment account with the initial credential her hospital issues, accepts the user
 * notice, enrols (returned once, resubmitted, approved by the institution then the office), takes the simplified
 * procedure with a proof, has her self-evaluation approved (institution batch, then office), gives the face
 * consent, has a bad frame refused and a good one accepted, sits the humanities exam (answers saved, the app
 * killed, resumed, submitted) and finds the result in her inbox. Each step depends on the one before, so the
 * tests run in order and share `journey`; none of them returns early.
 */
const CHEN = '13800000004'
const journey = {}

async function signInAs(login, password = DEMO_PASSWORD) {
  signOutLocally()
  return auth.logInWithPassword({ login, password })
}

async function poll(what, fn, { timeoutMs = 30000, everyMs = 500 } = {}) {
  const until = Date.now() + timeoutMs
  for (;;) {
    const value = await fn()
    if (value) return value
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, everyMs))
  }
}

async function pendingItem(kind, applicantId) {
  const page = await reviews.queue({ kind })
  return page.items.find((i) => i.applicant.id === applicantId) || null
}

test('journey 1, activation: the hospital sends a code by SMS (worker + Aliyun emulator), the physician activates', async () => {
  const chen = await signInAs(CHEN)
  journey.userId = chen.id
  const before = await registration.myData()
  expect(registration.summary(before).activated).toBe(false)
  await expectApiError(registration.activateByCode({ code: '00000000' }), 'ACTIVATION_CODE_INVALID')

  await signInAs('dc_hospital')
  const found = await http.get('/registry/institution/physicians', { name: '陈晨' })
  expect(found.items).toHaveLength(1)
  const sent = await http.post('/registry/institution/activation-codes', {
    registration_ids: [found.items[0].registration_id],
  })
  expect(sent.results[0].ok).toBe(true)

  // The notifications worker delivers the outbox event `registry.activation_code` as an SMS within seconds.
  const sms = await poll('the activation SMS', async () => {
    const list = await bridge.smsMessages(CHEN)
    return list.find((m) => m.params && m.params.code && m.params.institution) || null
  })

  await signInAs(CHEN)
  const after = await registration.activateByCode({ code: sms.params.code })
  expect(after.account_status).toBe('active')
  expect(registration.summary(await registration.myData()).activated).toBe(true)
})

test('journey 2, binding and notice: the hospital issues an initial credential, the physician binds and accepts the notice', async () => {
  expect(journey.userId).toBeTruthy()
  const person = await server.person(CHEN)
  journey.person = person

  // Only a reviewer issues credentials.
  await signInAs(CHEN)
  await expectApiError(
    http.post('/assessment/credentials', { id_number: person.id_number, name: person.name }),
    'ROLE_FORBIDDEN',
  )
  expect((await assessment.home()).current_step).toBe('binding')

  await signInAs('dc_hospital')
  const issued = await http.post('/assessment/credentials', { id_number: person.id_number, name: person.name })
  expect(issued.credential).toHaveLength(10)

  await signInAs(CHEN)
  const bind = {
    provinceCode: person.province_code,
    idNumber: person.id_number,
    name: person.name,
    newPassword: 'Chenchen-Mima-2026',
  }
  await expectApiError(assessment.bind({ ...bind, credential: 'WRONG12345' }), 'BINDING_FAILED')
  const bound = await assessment.bind({ ...bind, credential: issued.credential })
  expect(bound.bound).toBe(true)
  journey.password = bind.newPassword // the credential set the new log-in password
  await signInAs(CHEN, journey.password)

  expect((await assessment.home()).current_step).toBe('user_notice')
  await expectApiError(assessment.enrolment(), 'USER_NOTICE_REQUIRED')
  const notice = await assessment.notice()
  expect(notice.accepted).toBe(false)
  expect((await assessment.acceptNotice({ version: notice.version })).accepted).toBe(true)
  expect((await assessment.home()).current_step).toBe('enrolment')
})

test('journey 3, enrolment: returned by the hospital, resubmitted, approved by the hospital then the office', async () => {
  expect(journey.password).toBeTruthy()
  await signInAs(CHEN, journey.password)
  const form = await assessment.enrolment()
  expect(form.registry_found).toBe(true)
  await assessment.submitEnrolment({ dataCorrect: true, specialty: '内科专业' })
  expect((await assessment.home()).current_step).toBe('enrolment_review')
  // A physician is not a reviewer.
  await expectApiError(reviews.counts(), 'ROLE_FORBIDDEN')

  await signInAs('dc_hospital')
  const counts = await reviews.counts()
  expect(counts.counts.assessment_enrolment).toBeGreaterThanOrEqual(1)
  const first = await pendingItem('assessment_enrolment', journey.userId)
  expect(first).not.toBeNull()
  const detail = await reviews.item(first.id)
  expect(detail.payload.specialty).toBe('内科专业')
  expect(detail.history[0].action).toBe('submit')
  expect(detail.applicant.phone).toMatch(/\*{4}/)
  await expectApiError(reviews.reject(first.id, { reason: '' }), 'VALIDATION_FAILED')
  const returned = await reviews.returnForCorrection(first.id, { reason: '请核对报考专业', version: detail.version })
  expect(returned.status).toBe('returned')

  // Another hospital does not see it.
  await signInAs('cy_hospital')
  const hidden = await expectApiError(reviews.item(first.id), 'NOT_FOUND')
  expect(hidden.message).toBe('审核事项不存在')

  // The physician sees why, corrects and submits again (the enrolment page does the same call).
  await signInAs(CHEN, journey.password)
  const mine = await reviews.myItem(first.id)
  expect(mine.status).toBe('returned')
  expect(mine.history.map((h) => h.reason)).toContain('请核对报考专业')
  expect((await assessment.home()).current_step).toBe('enrolment')
  await assessment.submitEnrolment({ dataCorrect: true, specialty: '全科医学专业' })

  await signInAs('dc_hospital')
  const second = await pendingItem('assessment_enrolment', journey.userId)
  expect(second.id).not.toBe(first.id)
  const atInstitution = await reviews.approve(second.id, { comment: '信息属实', version: second.version })
  expect(atInstitution.status).toBe('pending')
  expect(atInstitution.current_step).toBe(1)

  await signInAs('bj_office')
  const office = await reviews.item(second.id)
  expect(office.payload.specialty).toBe('全科医学专业')
  const approved = await reviews.approve(second.id, { comment: '同意', version: office.version })
  expect(approved.status).toBe('approved')
  await expectApiError(reviews.approve(second.id, { version: office.version }), 'ALREADY_DECIDED')

  await signInAs(CHEN, journey.password)
  expect((await assessment.home()).current_step).toBe('procedure')
})

test('journey 4, simplified procedure with a proof, self-evaluation approved by the hospital (batch) and the office', async () => {
  expect(journey.password).toBeTruthy()
  journey.frames = await server.cameraFrames()
  await signInAs(CHEN, journey.password)
  const options = await assessment.procedureOptions()
  expect(options.simplified_conditions.length).toBeGreaterThan(0)
  const condition = options.simplified_conditions[0].code
  await expectApiError(
    assessment.chooseProcedure({ procedure: 'simplified', conditions: [condition] }),
    'PROOF_REQUIRED',
  )
  const proof = await assessment.uploadProof({ filePath: journey.frames.face })
  expect(proof.id).toBeTruthy()
  const chosen = await assessment.chooseProcedure({
    procedure: 'simplified',
    conditions: [condition],
    proofIds: [proof.id],
  })
  expect(chosen.procedure).toBe('simplified')

  const draft = await assessment.selfEvaluation()
  expect(draft.work_report_required).toBe(true)
  await assessment.saveSelfEvaluationDraft({
    practice_record: '本周期无不良执业行为记录。',
    work_performance: '年均门诊量约六千人次，完成继续医学教育学分。',
  })
  await expectApiError(assessment.submitSelfEvaluation(), 'VALIDATION_FAILED')
  await assessment.saveSelfEvaluationDraft({
    professional_ethics: '遵守医德规范，无投诉。',
    work_report: '本人在考核周期内认真履职，现将工作情况报告如下。',
  })
  await assessment.submitSelfEvaluation()
  expect((await assessment.home()).current_step).toBe('self_evaluation_review')

  await signInAs('dc_hospital')
  const item = await pendingItem('assessment_self_evaluation', journey.userId)
  expect(item).not.toBeNull()
  const batch = await reviews.batchApprove([item.id])
  expect(batch.approved).toBe(1)
  expect(await pendingItem('assessment_self_evaluation', journey.userId)).toBeNull()
  const history = await reviews.history()
  expect(history.items.filter((h) => h.action === 'approve').map((h) => h.item_id)).toContain(item.id)

  await signInAs('bj_office')
  const office = await reviews.item(item.id)
  expect(office.current_step).toBe(1)
  // The proof goes with the self-evaluation; the office fetches it with its own token (as the detail page does).
  expect(office.attachments).toEqual([{ proof_id: proof.id }])
  const proofFile = await reviews.downloadAttachment(office.attachments[0])
  expect(require('fs').readFileSync(proofFile).subarray(0, 3)).toEqual(Buffer.from([0xff, 0xd8, 0xff]))
  expect((await reviews.approve(item.id, { version: office.version })).status).toBe('approved')
  expect((await reviews.stats()).decided_today).toBeGreaterThanOrEqual(2)

  await signInAs(CHEN, journey.password)
  expect((await assessment.home()).current_step).toBe('humanities_exam')
})

test('journey 5, face capture: consent first, a frame without a face refused with reasons, a good frame accepted', async () => {
  expect(journey.frames).toBeTruthy()
  await signInAs(CHEN, journey.password)
  const consent = await proctoring.consent()
  expect(consent.accepted).toBe(false)
  const noConsent = await expectApiError(
    proctoring.uploadCapture({ filePath: journey.frames.face, examKind: 'humanities' }),
    'FACE_CONSENT_REQUIRED',
  )
  expect(noConsent.status).toBe(403)
  await proctoring.giveConsent({ version: consent.version })
  expect((await proctoring.consent()).accepted).toBe(true)

  const refused = await proctoring.uploadCapture({ filePath: journey.frames.noface, examKind: 'humanities' })
  expect(refused.accepted).toBe(false)
  expect(refused.code).toBe('FACE_NOT_FOUND')
  expect(refused.reasons.join('')).toMatch(/[\u4e00-\u9fa5]/)
  const capture = await proctoring.uploadCapture({ filePath: journey.frames.face, examKind: 'humanities' })
  expect(capture.accepted).toBe(true)
  expect(capture.capture_id).toBeTruthy()
  journey.captureId = capture.capture_id
})

test('journey 6, exam: answers saved, the app killed and resumed, submitted; the result arrives in the inbox', async () => {
  expect(journey.captureId).toBeTruthy()
  await signInAs(CHEN, journey.password)
  const exams = require('../../services/exam')
  const listed = await exams.list()
  const humanities = listed.find((e) => e.exam_kind === 'humanities')
  expect(humanities.status).toBe('available')

  const deviceId = 'e2e-device-chen'
  const session = await ExamSession.start('humanities', { captureId: journey.captureId, deviceId })
  expect(session.attempt.status).toBe('in_progress')
  expect(session.remainingMs()).toBeGreaterThan(0)
  const questions = session.questionsOf(session.attempt.current_section)
  expect(questions.length).toBeGreaterThan(3)
  const firstThree = questions.slice(0, 3)
  for (const q of firstThree) await session.answer(q.question_ref, [q.options[0].option_id])
  await session.answer(firstThree[0].question_ref, [firstThree[0].options[1].option_id]) // changed mind
  expect(session.state).toBe('saved')
  const ref = session.ref

  // The proctoring schedule of this attempt, and a photo taken during it (the page's SnapshotScheduler).
  const plan = await proctoring.schedule(ref)
  expect(plan.closed).toBe(false)
  expect(plan.due_at).toHaveLength(plan.offsets_s.length)
  const snapshot = await proctoring.uploadSnapshot({ attemptRef: ref, filePath: journey.frames.face })
  expect(snapshot.accepted).toBe(true)
  expect(snapshot.snapshot_id).toBeTruthy()

  session.dispose() // the app is killed

  // Another phone cannot take the attempt over.
  await expectApiError(ExamSession.resume(ref, { deviceId: 'someone-elses-phone' }), 'EXAM_DEVICE_MISMATCH')

  const resumed = await ExamSession.resume(ref, { deviceId })
  expect(resumed.answers[firstThree[0].question_ref]).toEqual([firstThree[0].options[1].option_id])
  firstThree.slice(1).forEach((q) => expect(resumed.answers[q.question_ref]).toEqual([q.options[0].option_id]))
  expect(resumed.remainingMs()).toBeGreaterThan(0)
  await resumed.answer(questions[3].question_ref, [questions[3].options[0].option_id])
  const final = await resumed.submit()
  expect(final.status).toBe('scored')
  expect(typeof final.score).toBe('number')

  const results = await exams.results()
  expect(results.map((r) => r.attempt_ref)).toContain(ref)

  // The worker turns the outbox event `exam.scored` into an inbox message within seconds.
  const message = await poll('the exam result in the inbox', async () => {
    const page = await inbox.list({})
    return page.items.find((m) => m.kind === 'exam.scored') || null
  })
  expect(message.body).toContain('人文医学')
  expect(message.read).toBe(false)
  expect(inbox.pageFor(message)).toBe(`/exam/pages/results/index?ref=${encodeURIComponent(ref)}`)

  // Four answers out of fifty fail the humanities exam, which decides the assessment: the result is ready.
  expect(final.passed).toBe(false)
  const home = await assessment.home()
  expect(home.current_step).toBe('result')
  const result = await assessment.result()
  expect(result.assessment.result).toBe('failed')
  const resultMessage = await poll('the assessment result in the inbox', async () => {
    const page = await inbox.list({ limit: 50 })
    return page.items.find((m) => m.kind === 'assessment.result_ready') || null
  })
  expect(inbox.pageFor(resultMessage)).toBe('/assessment/pages/result/index')

  // Every review decision of the journey reached her inbox too, leading to the assessment pages.
  const all = await inbox.list({ limit: 50 })
  const decided = all.items.filter((m) => m.kind === 'review.decided')
  expect(decided.map((m) => m.data.decision).sort()).toEqual(['approved', 'approved', 'returned'])
  decided.forEach((m) => expect(inbox.pageFor(m)).toBe('/assessment/pages/index/index'))
  expect(await inbox.unreadCount()).toBeGreaterThanOrEqual(1)
  await inbox.markRead(message.id)
  await inbox.markAllRead()
  expect(await inbox.unreadCount()).toBe(0)
})

test('forgotten password: reset with an SMS code, the old password no longer works', async () => {
  signOutLocally()
  const phone = '13800000002'
  bridge.useClientIp('10.1.0.22')
  await auth.sendSmsCode({ phone, purpose: 'reset_password' })
  await expectApiError(
    auth.resetPassword({ phone, smsCode: '000000', newPassword: 'Zhaohui-Mima-2026' }),
    'SMS_CODE_INVALID',
  )
  await auth.resetPassword({ phone, smsCode: await bridge.smsCode(phone), newPassword: 'Zhaohui-Mima-2026' })
  await expectApiError(auth.logInWithPassword({ login: phone, password: DEMO_PASSWORD }), 'INVALID_CREDENTIALS')
  const me = await auth.logInWithPassword({ login: phone, password: 'Zhaohui-Mima-2026' })
  expect(me.role).toBe('physician')
})

test('the pickers: provinces, the regions under one, institutions by region and name, a region by name', async () => {
  const lookups = require('../../services/lookups')
  const provinces = await lookups.regions()
  expect(provinces.length).toBeGreaterThan(0)
  const beijing = provinces.find((p) => p.code === '110000')
  expect(beijing.name).toBe('北京市')
  const under = await lookups.regions('110000')
  expect(under.length).toBeGreaterThan(0)
  const page = await lookups.institutions({ regionCode: '110000' })
  expect(page.items.length).toBeGreaterThan(0)
  const first = page.items[0]
  expect(first.name).toMatch(/[\u4e00-\u9fa5]/)
  const byName = await lookups.institutions({ q: first.name.slice(0, 2) })
  expect(byName.items.map((i) => i.id)).toContain(first.id)
  expect(await lookups.regionName(first.region_code)).toMatch(/北京市/)
  // five document types, from the server or the registry's own list where the server has none yet
  expect((await lookups.documentTypes()).map((d) => d.code)).toContain('resident_id')
})

test('recovery by personal information: a wrong certificate refused, the right one moves the account to a new phone', async () => {
  signOutLocally()
  const phone = '13800000004'
  const who = await server.person(phone)
  expect(who.qualification_cert_no).toMatch(/^\d+$/)
  const newPhone = '15100000658'
  bridge.useClientIp('10.1.0.23')
  const claim = {
    name: who.name,
    idType: 'resident_id',
    idNumber: who.id_number,
    qualificationCertNo: who.qualification_cert_no,
    newPhone,
  }
  await expectApiError(
    registration.sendRecoveryCode({ ...claim, qualificationCertNo: '999999999999999' }),
    'RECOVERY_NOT_MATCHED',
  )
  await registration.sendRecoveryCode(claim)
  await expectApiError(registration.recover(claim, '000000'), 'SMS_CODE_INVALID')
  const done = await registration.recover(claim, await bridge.smsCode(newPhone))
  expect(done.ok).toBe(true)
  expect(done.phone).toMatch(/^151\*{4}0658$/)
  // the account now answers to the new phone (with her password); the old phone no longer signs her in
  await expectApiError(auth.logInWithPassword({ login: phone, password: journey.password }), 'INVALID_CREDENTIALS')
  const me = await auth.logInWithPassword({ login: newPhone, password: journey.password })
  expect(me.real_name).toBe(who.name)
  expect(me.role).toBe('physician')
})
