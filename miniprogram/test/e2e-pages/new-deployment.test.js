/**
 * A new deployment run by people alone, through the pages (issue 19, "Done when"), against a real server started
 * WITHOUT demo data (`python -m server run --no-demo`):
 *
 *  1. the operator runs `create-admin` (CLI); the administrator logs in on the log-in page and imports the registers
 *     (regions, institutions, qualifications, practice registrations: `POST /registry/import/{register}`, an
 *     administrator's file upload that has no page);
 *  2. the administrator creates an office account and an institution account (staff pages); each logs in with its
 *     one-time password and is made to change it;
 *  3. the administrator creates the cycle, the office sets its windows and pass marks and imports the question bank
 *     (the file picked with wx.chooseMessageFile);
 *  4. two physicians of the register sign up (WeChat + phone quick verification) and pass the real-name check; the
 *     institution activates them and issues their 定考 credentials; they bind;
 *  5. one accepts the notice, enrols, chooses the simplified procedure (a proof photo), self-evaluates; the
 *     institution and the office approve both in the reviewer pages;
 *  6. she takes the humanities exam: face capture (the camera hands a face image), a proctoring photo without a face
 *     raises a flag, the exam ends; the office invalidates the flag and her result changes;
 *  7. the office sends a reminder from the progress page to the physicians who have not enrolled; the other
 *     physician finds it in the inbox.
 *
 * Each step asserts what the pages show and what the server holds. The tests run in order and share `world`.
 */
const fs = require('fs')
const os = require('os')
const path = require('path')
const { startServer, REPO } = require('../support/server')
const { createLive } = require('../support/live-page')

jest.setTimeout(240000)

const ADMIN = { username: 'ops', password: 'Ops-Start-2026!' }
const OFFICE = { username: 'bj_kaohe', name: '北京市定考办', newPassword: 'Kaohe-Ban-2026!' }
const HOSPITAL = { username: 'dc_yiyuan', name: '东城第一医院定考', newPassword: 'Yiyuan-Dc-2026!' }
const INSTITUTION = { code: 'NEW-110101-001', name: '北京市东城区第一医院' }
const BANK = path.join(REPO, 'server', 'exams', 'demo_bank')

let server
let live
let http
let store
const world = {}

// ---------------------------------------------------------------- the registers an administrator imports

function idNumber(region, born, seq) {
  const first17 = `${region}${born}${String(seq).padStart(3, '0')}`
  const weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
  const sum = first17.split('').reduce((t, d, i) => t + Number(d) * weights[i], 0)
  return first17 + '10X98765432'[sum % 11]
}

const HE = {
  name: '何平',
  phone: '13900000021',
  openid: 'new-deployment-he',
  idNumber: idNumber('110101', '19860412', 21),
  cert: '201011010100021',
  practiceCert: '110110101000021',
  password: 'Heping-Mima-2026',
}
const XU = {
  name: '许诺',
  phone: '13900000022',
  openid: 'new-deployment-xu',
  idNumber: idNumber('110101', '19900818', 22),
  cert: '201011010100022',
  practiceCert: '110110101000022',
  password: 'Xunuo-Mima-2026',
}

function writeRegisters(dir) {
  const files = {
    regions: ['代码,名称,级别,上级代码', '110000,北京市,省,', '110101,北京市东城区,区县,110000'],
    institutions: [
      '机构代码,机构名称,所在区县,审批机关,科室',
      `${INSTITUTION.code},${INSTITUTION.name},110101,北京市东城区卫生健康委员会,内科、外科、儿科`,
    ],
    qualifications: [
      '医师资格证书编码,姓名,证件类型,证件号码,医师类别,医师级别,取得资格日期,学历,所学专业',
      ...[HE, XU].map((p) => `${p.cert},${p.name},居民身份证,${p.idNumber},临床,执业医师,2012-08-30,本科,临床医学`),
    ],
    registrations: [
      '医师执业证书编码,医师资格证书编码,主执业机构代码,执业范围,状态',
      ...[HE, XU].map((p) => `${p.practiceCert},${p.cert},${INSTITUTION.code},内科专业,有效`),
    ],
  }
  return Object.fromEntries(
    Object.entries(files).map(([register, lines]) => {
      const file = path.join(dir, `${register}.csv`)
      fs.writeFileSync(file, `${lines.join('\n')}\n`)
      return [register, file]
    }),
  )
}

// ---------------------------------------------------------------- helpers

async function agree(page) {
  await live.emit(page, '我已阅读并同意《用户协议》和《隐私政策》', 'change', { value: ['yes'] })
}

async function logIn(login, password) {
  live.signOut()
  live.forget()
  const page = await live.open('/pages/login/index')
  await live.tap(page, '密码登录')
  await live.type(page, '#pw-login', login)
  await live.type(page, '#pw-password', password)
  await agree(page)
  await live.tap(page, '#pw-submit')
  return { page, next: live.next() }
}

/** The one thing a test may read straight from the server: what the pages' outcome left there. */
async function api(method, p, data) {
  return method === 'GET' ? http.get(p, data) : http.post(p, data)
}

async function poll(what, fn, { timeoutMs = 20000, everyMs = 300 } = {}) {
  const until = Date.now() + timeoutMs
  for (;;) {
    const value = await fn()
    if (value) return value
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, everyMs))
  }
}

beforeAll(async () => {
  server = await startServer({ demo: false })
  live = createLive({ server })
  http = require('../../utils/request')
  store = require('../../utils/auth-store')
  world.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'yishi-new-deployment-'))
  world.frames = await server.cameraFrames()
})

afterAll(async () => {
  live && live.close()
  if (server) await server.stop()
  if (world.dir) fs.rmSync(world.dir, { recursive: true, force: true })
})

// ---------------------------------------------------------------- 1. create-admin, log-in, registers

test('1. create-admin on the command line; the administrator logs in on the log-in page and imports the registers', async () => {
  // Nothing yet: no demo administrator, no region.
  const before = await logIn('admin', 'Yishi-Demo-2026')
  expect(before.next).toBeNull()
  expect(live.text(before.page)).toContain('账号或密码错误')

  expect(await server.createAdmin({ ...ADMIN, realName: '王运维' })).toMatch(/administrator ops created/)
  const { next } = await logIn(ADMIN.username, ADMIN.password)
  expect(next).toBe('/pages/home/index')
  expect(store.user().role).toBe('admin')
  const home = await live.open(next)
  expect(live.text(home)).toMatch(/[\u4e00-\u9fa5]/)

  const files = writeRegisters(world.dir)
  const token = store.accessToken()
  for (const register of ['regions', 'institutions', 'qualifications', 'registrations']) {
    const report = await server.importRegister({ token, register, filePath: files[register] })
    expect(report.errors).toEqual([])
  }
  const provinces = await api('GET', '/lookups/regions')
  expect(provinces.items.map((r) => r.name)).toEqual(['北京市'])
  const found = await api('GET', '/lookups/institutions', { region_code: '110101' })
  expect(found.items.map((i) => i.name)).toEqual([INSTITUTION.name])
  world.institutionId = found.items[0].id
})

/** WeChat log-in on the log-in page (the WeChat user `person.openid`); a new one signs up by phone quick verification. */
async function wechatLogIn(person) {
  live.signOut()
  live.forget()
  live.bridge.useOpenid(person.openid)
  const page = await live.open('/pages/login/index')
  await agree(page)
  await live.tap(page, '#wechat-login')
  if (page.page.data.needsBinding) {
    expect(live.text(page)).toContain('手机号快速验证')
    await live.emit(page, '#phone-verify', 'getphonenumber', { code: await live.bridge.phoneCode(person.phone) })
  }
  expect(live.next()).toBe('/pages/home/index')
  return page
}

/** A Beijing wall-clock time `days` from now as the date-time picker gives it (YYYY-MM-DD HH:mm). */
function beijing(days) {
  const t = new Date(Date.now() + days * 86400000 + 8 * 3600000)
  const p = (n) => String(n).padStart(2, '0')
  return `${t.getUTCFullYear()}-${p(t.getUTCMonth() + 1)}-${p(t.getUTCDate())} ${p(t.getUTCHours())}:${p(t.getUTCMinutes())}`
}

// ---------------------------------------------------------------- 2. staff accounts

async function createStaff({ roleText, username, name, scope }) {
  const edit = await live.open('/staff/pages/edit/index')
  await live.tap(edit, roleText)
  await live.type(edit, '#username', username)
  await live.type(edit, '#real-name', name)
  await live.emit(edit, scope.locator, 'change', scope.detail)
  await live.tap(edit, '创建账号')
  const issued = edit.page.data.issued
  expect(issued && issued.one_time_password).toBeTruthy()
  // shown once, in the page's dialog, with the sentence that it must be changed
  expect(live.text(edit)).toContain(issued.one_time_password)
  return issued.one_time_password
}

async function firstLogIn(username, oneTime, newPassword) {
  const { next } = await logIn(username, oneTime)
  expect(next).toMatch(/^\/pages\/settings\/password/) // made to change it before anything else
  const forced = await live.open(next)
  expect(live.text(forced)).toContain('须先设置新密码')
  await live.type(forced, '#old', oneTime)
  await live.type(forced, '#new', newPassword)
  await live.type(forced, '#confirm', newPassword)
  await live.tap(forced, '确认修改')
  expect(live.next()).toBe('/pages/home/index')
  // the one-time password no longer works; the new one does, straight to the workbench
  expect((await logIn(username, oneTime)).next).toBeNull()
  expect((await logIn(username, newPassword)).next).toBe('/pages/home/index')
}

test('2. the administrator creates an office and an institution account; each must change its one-time password', async () => {
  await logIn(ADMIN.username, ADMIN.password)
  world.officeOtp = await createStaff({
    roleText: '考核机构',
    username: OFFICE.username,
    name: OFFICE.name,
    scope: { locator: '[label=辖区]', detail: { code: '110000', name: '北京市', provinceCode: '110000' } },
  })
  world.hospitalOtp = await createStaff({
    roleText: '医疗机构',
    username: HOSPITAL.username,
    name: HOSPITAL.name,
    scope: {
      locator: '[label=所属机构]',
      detail: { id: world.institutionId, name: INSTITUTION.name, regionCode: '110101' },
    },
  })
  const list = await live.open('/staff/pages/list/index')
  expect(live.text(list)).toContain(OFFICE.name)
  expect(live.text(list)).toContain(HOSPITAL.name)

  await firstLogIn(OFFICE.username, world.officeOtp, OFFICE.newPassword)
  expect(store.user()).toMatchObject({ role: 'office_reviewer', must_change_password: false })
  await firstLogIn(HOSPITAL.username, world.hospitalOtp, HOSPITAL.newPassword)
  expect(store.user()).toMatchObject({ role: 'institution_reviewer', must_change_password: false })
})

// ---------------------------------------------------------------- 3. cycle, windows, pass marks, question bank

test('3. the administrator opens the cycle; the office sets its windows and pass marks and imports the question bank', async () => {
  await logIn(ADMIN.username, ADMIN.password)
  const year = new Date().getFullYear()
  const start = year // a new deployment's first cycle: this year and the next two (room for every window)
  world.cycleName = `${start}—${start + 2}年度`
  const cycles = await live.open('/office/pages/cycles/index')
  // The administrator belongs to no region: the page shows the cycles and 新建周期, not a region's windows
  expect(cycles.page.data.ready).toBe(true)
  await live.tap(cycles, '新建周期')
  await live.type(cycles, '周期名称', world.cycleName)
  await live.type(cycles, '开始日期', `${start}-01-01`)
  await live.type(cycles, '结束日期', `${start + 2}-12-31`)
  await live.tap(cycles, '新建考核周期')
  expect(live.text(cycles)).toContain(world.cycleName)
  expect(live.text(cycles)).toContain('由省、市、区县考核机构在本周期内设置')

  await logIn(OFFICE.username, OFFICE.newPassword)
  const windows = await live.open('/office/pages/cycles/index')
  expect(live.text(windows)).toContain('北京市')
  for (const kind of ['报名', '自评', '考试', '补考']) {
    await live.tap(windows, kind)
    await live.tap(windows, '开始时间')
    await live.emit(windows, '[mode=minute]', 'confirm', { value: beijing(-1) })
    await live.tap(windows, '结束时间')
    await live.emit(windows, '[mode=minute]', 'confirm', { value: beijing(kind === '补考' ? 90 : 60) })
    await live.tap(windows, '保存本辖区时间')
    expect(windows.page.data.formError).toBe('')
  }
  expect(live.text(windows)).toContain('进行中')
  const saved = await api('GET', '/assessment/windows')
  expect(JSON.stringify(saved)).toContain('make_up')

  const rules = await live.open('/office/pages/rules/index')
  await live.type(rules, '人文医学测评', '60')
  await live.type(rules, '业务水平测评', '60')
  await live.tap(rules, '保存分数线')
  expect(rules.page.data.marksError).toBe('')

  const questions = await live.open('/office/pages/questions/index')
  for (const [file, count] of [
    ['law.json', 183],
    ['humanities.json', 118],
  ]) {
    live.useMessageFile({ path: path.join(BANK, file), name: file })
    await live.tap(questions, '选择文件并导入')
    expect(live.text(questions)).toContain(`已导入：新增 ${count} 题`)
  }
  const ready = await live.open('/office/pages/rules/index')
  expect(live.text(ready)).toContain('人文医学')
  world.rulesText = live.text(ready)
})

// ---------------------------------------------------------------- 4. physicians: sign-up, real-name, activation, binding

async function realName(person) {
  await wechatLogIn(person)
  const page = await live.open('/registration/pages/real-name/index')
  await live.type(page, '#name', person.name)
  await live.type(page, '#id-number', person.idNumber)
  await live.tap(page, '提交认证')
  expect(live.text(page)).toContain(INSTITUTION.name) // found in the imported register, at its institution
}

async function activateAndIssue(person) {
  const list = await live.open('/institution/pages/physicians/index')
  await live.tap(list, person.name)
  const detail = await live.follow()
  await live.tap(detail, '直接激活')
  expect(detail.page.data.error).toBe('')
  await live.type(detail, '[placeholder=证件号码]', person.idNumber)
  await live.tap(detail, '发放或重置初始密码')
  const credential = detail.page.data.credential && detail.page.data.credential.credential
  expect(credential).toBeTruthy()
  expect(live.text(detail)).toContain(credential) // shown once, in the popup
  await live.tap(detail, '我已告知医师')
  return credential
}

async function bind(person, credential) {
  await wechatLogIn(person)
  const page = await live.open('/assessment/pages/index/index')
  expect(live.text(page)).toContain('绑定定期考核账号')
  await live.emit(page, '#province', 'change', { code: '110000', name: '北京市', provinceCode: '110000' })
  await live.type(page, '#name', person.name)
  await live.type(page, '#id-number', person.idNumber)
  await live.type(page, '#credential', credential)
  await live.type(page, '#new-password', person.password)
  await live.tap(page, '#bind')
  expect(page.page.data.error).toBe('')
}

test('4. two physicians of the register sign up and pass the real-name check; the institution activates them and issues credentials; they bind', async () => {
  await realName(HE)
  await realName(XU)
  expect((await api('GET', '/registry/me')).account_status).not.toBe('active')

  await logIn(HOSPITAL.username, HOSPITAL.newPassword)
  const list = await live.open('/institution/pages/physicians/index')
  expect(live.text(list)).toContain(HE.name)
  expect(live.text(list)).toContain(XU.name)
  world.credentials = { he: await activateAndIssue(HE), xu: await activateAndIssue(XU) }

  await bind(HE, world.credentials.he)
  const home = await api('GET', '/assessment/home')
  expect(home.current_step).toBe('user_notice')
  await bind(XU, world.credentials.xu)
})

// ---------------------------------------------------------------- 5. notice, enrolment, procedure, self-evaluation, reviews

/** The reviewer opens the physician's item in the queue and approves it on the detail page. */
async function approve(reviewer, person) {
  await logIn(reviewer.username, reviewer.newPassword)
  const queue = await live.open('/reviewer/pages/queue/index')
  await live.tap(queue, `${person.name[0]}*`) // the queue masks the applicant's name
  const detail = await live.follow()
  expect(live.text(detail)).toContain(`申请人${person.name[0]}*`)
  await live.tap(detail, '#approve')
  await live.tap(detail, '#confirm')
  expect(detail.page.data.error).toBe('')
  expect(live.text(detail)).toContain('下一条') // decided: the bar offers the next item
}

test('5. she accepts the notice, enrols, takes the simplified procedure with a proof, self-evaluates; both approved twice', async () => {
  await wechatLogIn(HE)
  const notice = await live.open('/assessment/pages/notice/index')
  await live.tap(notice, '我已阅读并同意')
  expect(live.toasts).toContain('已确认') // and back to the assessment page
  expect(live.nav.pop()).toEqual({ how: 'navigateBack', url: null })

  const enrolment = await live.open('/assessment/pages/enrolment/index')
  expect(live.text(enrolment)).toContain(INSTITUTION.name) // the registry's data, in words
  await live.type(enrolment, '#specialty', '内科专业')
  await live.emit(enrolment, '以上信息真实无误', 'change', { value: ['yes'] })
  await live.tap(enrolment, '提交报名')
  expect(enrolment.page.data.error).toBe('')
  expect((await api('GET', '/assessment/home')).current_step).toBe('enrolment_review')

  await approve(HOSPITAL, HE)
  await approve(OFFICE, HE)

  await wechatLogIn(HE)
  expect((await api('GET', '/assessment/home')).current_step).toBe('procedure')
  const procedure = await live.open('/assessment/pages/procedure/index')
  await live.emit(procedure, '简易程序', 'change', { value: 'simplified' })
  const condition = procedure.page.data.conditions[0]
  await live.emit(procedure, condition.label, 'change', { value: [condition.code] })
  live.useMedia(world.frames.face) // the proof: a photo from the album
  await live.tap(procedure, '上传证明材料')
  expect(live.text(procedure)).toContain('证明材料：')
  await live.tap(procedure, '确认')
  expect(procedure.page.data.error).toBe('')

  const evaluation = await live.open('/assessment/pages/self-evaluation/index')
  for (const part of evaluation.page.data.parts) {
    await live.type(evaluation, `[data-key=${part.key}]`, `${part.title}：本周期认真履职，无不良执业记录。`)
  }
  await live.tap(evaluation, '提交审核')
  expect(evaluation.page.data.error).toBe('')
  expect((await api('GET', '/assessment/home')).current_step).toBe('self_evaluation_review')

  await approve(HOSPITAL, HE)
  await approve(OFFICE, HE)
  await wechatLogIn(HE)
  expect((await api('GET', '/assessment/home')).current_step).toBe('humanities_exam')
})

// ---------------------------------------------------------------- 6. exam, a flag, invalidated

test('6. she sits the humanities exam: face capture, a faceless proctoring photo raises a flag, the office invalidates it', async () => {
  await wechatLogIn(HE)
  const exams = await live.open('/exam/pages/index/index')
  await live.tap(exams, '开始考试')
  const capture = await live.follow()
  await live.tap(capture, '同意并继续')
  if (capture.page.data.compare) await live.tap(capture, '同意比对')
  live.useCamera(world.frames.face) // the front camera sees her face
  await live.tap(capture, '#capture')
  expect(capture.page.data.reasons).toEqual([])
  if (capture.page.data.match) await live.tap(capture, '#start-anyway')
  expect(live.next()).toMatch(/^\/exam\/pages\/attempt\/index\?/)
  const attempt = await live.follow()
  expect(attempt.page.data.questions.length).toBeGreaterThan(3)
  world.attemptRef = attempt.page.session.ref

  // A proctoring photo: she has left the camera's view. The server's moments fall 60 s or more after the start
  // (FACE_SNAPSHOT_WINDOW_S); rather than wait, the page's own scheduler takes its first slot now, as its timer
  // would at that moment (same photo, same upload, same slot within the grace).
  live.useCamera(world.frames.noface)
  const slot = [...attempt.page.snapshots.pending.keys()][0]
  expect(slot).toBeDefined()
  await attempt.page.snapshots.fire(slot, 0)
  await live.idle()
  expect(live.text(attempt)).toContain('监考拍照')

  for (let i = 0; i < 3; i += 1) {
    const q = attempt.page.data.question
    await live.tap(attempt, q.options[0].text)
    await live.tap(attempt, '下一题')
  }
  expect(live.text(attempt)).toContain('已答 3/')
  const last = attempt.page.data.isLastSection ? '交卷' : '完成本部分，进入下一部分'
  await live.tap(attempt, last)
  if (!live.next() || !live.next().startsWith('/exam/pages/results')) await live.tap(attempt, '交卷')
  expect(live.next()).toMatch(/^\/exam\/pages\/results\/index/)
  const results = await live.follow()
  world.resultBefore = live.text(results)
  expect(world.resultBefore).toContain('人文医学')

  await logIn(OFFICE.username, OFFICE.newPassword)
  const flags = await live.open('/office/pages/flags/index')
  expect(live.text(flags)).toContain(`${HE.name[0]}*待处理未检测到人脸`) // masked, open, the photo's reason
  await live.tap(flags, `${HE.name[0]}*`)
  const flag = await live.follow()
  await live.type(flag, '处理理由（判定无效时必填）', '监考照片中无人，本场考试无效')
  await live.tap(flag, '判定无效')
  expect(live.modals.map((m) => m.title).join()).toMatch(/无效/) // asked first
  expect(flag.page.data.error).toBe('')
  expect(live.text(flag)).toContain('监考照片中无人，本场考试无效')

  await wechatLogIn(HE)
  const after = await live.open('/exam/pages/results/index')
  world.resultAfter = live.text(after)
  expect(world.resultBefore).not.toContain('成绩无效')
  expect(world.resultAfter).toContain('成绩无效')
  expect(world.resultAfter).toContain('考核机构判定本场考试无效：监考照片中无人，本场考试无效')
  const attempts = await api('GET', '/exams/results')
  expect(JSON.stringify(attempts)).toContain('invalidated')
})

// ---------------------------------------------------------------- 7. reminder

test('7. the office reminds the physicians who have not enrolled; the other physician finds it in her inbox', async () => {
  await logIn(OFFICE.username, OFFICE.newPassword)
  const progress = await live.open('/office/pages/progress/index')
  expect(live.text(progress)).toContain(XU.name)
  await live.tap(progress, '未报名')
  expect(live.text(progress)).toContain(XU.name)
  expect(live.text(progress)).not.toContain(HE.name)
  await live.tap(progress, '发送催办提醒')
  expect(live.modals.pop().content).toContain('1')
  expect(progress.page.data.error).toBe('')
  expect(live.text(progress)).toContain('已向 1 人发送提醒')

  await wechatLogIn(XU)
  // the worker delivers the outbox event within seconds: she opens her inbox until it is there
  const inbox = await poll('the reminder in the inbox', async () => {
    const page = await live.open('/pages/inbox/index')
    return live.text(page).includes('定期考核催办提醒') ? page : null
  })
  await live.tap(inbox, '定期考核催办提醒')
  const body = live.text(inbox)
  expect(body).toContain(`${INSTITUTION.name}提醒您：${world.cycleName}医师定期考核，您尚需确认信息并报名`)
  await live.tap(inbox, '查看') // it leads to the assessment page
  expect(live.next()).toMatch(/^\/assessment\/pages\/index\/index/)
})
