/**
 * End to end, the office and commission workbench: the app's own services (services/office.js,
 * services/commission.js) over real HTTP against a server this test starts, as the demo staff accounts.
 *
 * bj_office (北京市, the province) sets the province's enrolment window and a pass mark; cy_office (朝阳区) sets a
 * 朝阳 window inside it, is refused outside it, refused the pass marks and 东城's progress; a question bank is
 * imported (a bad file gives row errors and imports nothing) and exported; a reminder goes to not-enrolled
 * physicians, and a second one the same day skips them; bj_commission reads the figures, dc_commission is refused
 * another district.
 */
const fs = require('fs')
const os = require('os')
const path = require('path')
const { createWxBridge } = require('../support/wx-bridge')
const { startServer } = require('../support/server')

jest.setTimeout(180000)

const DEMO_PASSWORD = 'Yishi-Demo-2026'
const ZHANG = '13800000001' // 张明, 东城区示范医院, active, not yet bound to his assessment account

let server
let bridge
let store
let http
let auth
let assessment
let office
let commission
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'office-e2e-'))
const state = {}

beforeAll(async () => {
  server = await startServer()
  bridge = createWxBridge({ emulatorBase: server.emulatorBase })
  global.wx = bridge.wx
  require('../../config/env').setBaseUrl(server.baseUrl)
  store = require('../../utils/auth-store')
  http = require('../../utils/request')
  http.setSignedOutHandler(() => bridge.ui.push(['signedOut']))
  auth = require('../../services/auth')
  assessment = require('../../services/assessment')
  office = require('../../services/office')
  commission = require('../../services/commission')
})

afterAll(async () => {
  if (server) await server.stop()
})

async function signInAs(login, password = DEMO_PASSWORD) {
  store.clear()
  return auth.logInWithPassword({ login, password })
}

async function refused(promise, code) {
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

/** Beijing wall-clock "YYYY-MM-DDTHH:mm:ss" of a moment, as the date-time picker gives it. */
function beijing(ms) {
  return new Date(ms + 8 * 3600 * 1000).toISOString().slice(0, 19)
}
const DAY = 24 * 3600 * 1000

test('bj_office sets the province enrolment window and the pass marks, reads the exam rules and readiness', async () => {
  await signInAs('bj_office')
  const before = await office.windows()
  expect(before.region_code).toBe('110000')
  state.cycle = before.cycle
  state.provinceOpens = beijing(Date.now() - 10 * DAY)
  state.provinceCloses = `${before.cycle.ends_on}T20:00:00`
  const set = await office.setWindow({
    kind: 'enrolment',
    opensAt: state.provinceOpens,
    closesAt: state.provinceCloses,
  })
  expect(set).toMatchObject({ kind: 'enrolment', label: '报名', region_code: '110000' })
  expect(set.closes_at.startsWith(`${before.cycle.ends_on}T20:00:00`)).toBe(true)

  const specialties = await office.specialties()
  expect(specialties.length).toBeGreaterThan(0)
  const code = specialties[0].code
  const rules = await office.setRules({ professional: 65, humanities: 60, bySpecialty: { [code]: 62 } })
  expect(rules.set_by_office).toBe(true)
  expect(rules.professional_pass_mark).toBe(65)
  const read = await office.rules()
  expect(read.professional_pass_mark).toBe(65)
  expect(read.professional_pass_marks_by_specialty).toEqual({ [code]: 62 })

  const [defs, readiness, cycles] = await Promise.all([office.definitions(), office.readiness(), office.cycles()])
  expect(defs.items.length).toBeGreaterThan(0)
  expect(readiness.province_code).toBe('110000')
  expect(cycles.items.map((c) => c.id)).toContain(state.cycle.id)
  // creating a cycle is the admin's
  await refused(
    office.createCycle({ name: '2027—2029年度', startsOn: '2027-01-01', endsOn: '2029-12-31' }),
    'ROLE_FORBIDDEN',
  )
})

test('cy_office sets a 朝阳 window inside the province’s, is refused outside it and refused the pass marks', async () => {
  expect(state.provinceOpens).toBeTruthy()
  await signInAs('cy_office')
  const inside = await office.setWindow({
    kind: 'enrolment',
    opensAt: beijing(Date.now() - 5 * DAY),
    closesAt: `${state.cycle.ends_on}T18:00:00`,
  })
  expect(inside).toMatchObject({ kind: 'enrolment', region_code: '110105' })

  const outside = await refused(
    office.setWindow({
      kind: 'enrolment',
      opensAt: beijing(Date.now() - 20 * DAY),
      closesAt: `${state.cycle.ends_on}T18:00:00`,
    }),
    'WINDOW_INVALID',
  )
  expect(outside.message).toContain('上级设置的时间内')

  const list = await office.windows()
  expect(list.region_code).toBe('110105')
  const enrolment = list.items.filter((w) => w.kind === 'enrolment').map((w) => w.region_code)
  expect(enrolment.sort()).toEqual(['110000', '110105'])
  // the province's window bounds 朝阳's, the page shows it read-only
  expect(office.regionCovers('110000', list.region_code)).toBe(true)

  await refused(office.setRules({ professional: 50, humanities: 50 }), 'FORBIDDEN')
  // another district's window is not 朝阳's to set
  await refused(
    office.setWindow({
      kind: 'exam',
      regionCode: '110101',
      opensAt: beijing(Date.now()),
      closesAt: beijing(Date.now() + DAY),
    }),
    'FORBIDDEN',
  )

  // deleting 朝阳's own window: the province's applies again
  const cleared = await office.clearWindow({ kind: 'enrolment' })
  expect(cleared.applies.region_code).toBe('110000')
  await refused(office.clearWindow({ kind: 'enrolment' }), 'WINDOW_NOT_SET')
})

test('cy_office sees 朝阳’s progress only: 东城 is refused by region and by institution', async () => {
  await signInAs('bj_office')
  const summary = await office.progress()
  const dc = summary.items.find((r) => r.institution_name.includes('东城'))
  const cy = summary.items.find((r) => r.institution_name.includes('朝阳'))
  expect(dc && cy).toBeTruthy()
  state.dcInstitution = dc.institution_id

  await signInAs('cy_office')
  const own = await office.people()
  expect(own.items.length).toBeGreaterThan(0)
  own.items.forEach((p) => expect(p.region_code).toBe('110105'))
  const named = await office.people({ name: own.items[0].name })
  expect(named.items.map((p) => p.name)).toContain(own.items[0].name)
  named.items.forEach((p) => expect(p.name).toContain(own.items[0].name))
  const forbidden = await refused(office.people({ regionCode: '110101' }), 'FORBIDDEN')
  expect(forbidden.message).toContain('本辖区')
  await refused(office.people({ institutionId: dc.institution_id }), 'INSTITUTION_NOT_FOUND')
  await refused(office.remind({ step: 'not_bound', institutionId: dc.institution_id }), 'INSTITUTION_NOT_FOUND')
  const mine = await office.progress()
  expect(mine.items.map((r) => r.institution_id)).not.toContain(dc.institution_id)
})

test('a question bank is imported; a bad file gives row errors and imports nothing; the bank is exported', async () => {
  await signInAs('bj_office')
  const good = path.join(tmp, 'bank.json')
  const question = (ref, extra = {}) => ({
    ref,
    section: 'law',
    type: 'single',
    stem: `医师在执业活动中应当遵守哪项规定？（${ref}）`,
    options: ['遵守法律法规和技术操作规范', '只看经验', '听从患者家属', '无需记录'],
    answer: [0],
    explanation: '《医师法》规定医师应当遵守法律法规和技术操作规范。',
    difficulty: 1,
    ...extra,
  })
  fs.writeFileSync(good, JSON.stringify({ questions: [question('E2E-LAW-1'), question('E2E-LAW-2')] }))
  const imported = await office.importQuestions(good)
  expect(imported.created + imported.updated).toBe(2)

  const bad = path.join(tmp, 'bad.json')
  fs.writeFileSync(
    bad,
    JSON.stringify([
      question('E2E-LAW-3'),
      question('', { stem: '', answer: [7] }),
      question('E2E-LAW-4', { type: 'odd' }),
    ]),
  )
  const err = await refused(office.importQuestions(bad), 'BANK_IMPORT_INVALID')
  const rows = office.importErrors(err)
  expect(rows.map((r) => r.row)).toEqual(expect.arrayContaining([2, 3]))
  expect(rows.every((r) => /[\u4e00-\u9fa5]/.test(r.message))).toBe(true)
  expect(rows.every((r) => r.column)).toBe(true) // each message names its column

  const exported = fs.readFileSync(await office.exportQuestions({ format: 'json' }), 'utf8')
  expect(exported).toContain('E2E-LAW-1')
  expect(exported).not.toContain('E2E-LAW-3') // all rows or none
  const xlsx = fs.readFileSync(await office.exportQuestions())
  expect(xlsx.subarray(0, 2).toString()).toBe('PK') // an xlsx is a zip

  await signInAs('dc_hospital')
  await refused(office.exportQuestions(), 'ROLE_FORBIDDEN')
})

test('a reminder goes to the not-enrolled physicians; a second one the same day skips them', async () => {
  // 张明 binds his assessment account (credential from his hospital) and has not enrolled yet.
  const person = await server.person(ZHANG)
  await signInAs('dc_hospital')
  const issued = await http.post('/assessment/credentials', { id_number: person.id_number, name: person.name })
  await signInAs(ZHANG)
  await assessment.bind({
    provinceCode: person.province_code,
    idNumber: person.id_number,
    name: person.name,
    credential: issued.credential,
    newPassword: 'Zhangming-Mima-2026',
  })

  await signInAs('bj_office')
  const waiting = await office.people({ step: 'not_enrolled' })
  expect(waiting.total).toBeGreaterThanOrEqual(1)
  expect(waiting.items.map((p) => p.name)).toContain(person.name)
  const first = await office.remind({ step: 'not_enrolled' })
  expect(first.matched).toBe(waiting.total)
  expect(first.sent).toBeGreaterThanOrEqual(1)
  expect(first.sent + first.already_today + first.no_account).toBe(first.matched)
  const second = await office.remind({ step: 'not_enrolled' })
  expect(second.sent).toBe(0)
  expect(second.already_today).toBe(first.sent)

  const file = await office.peopleXlsx({ step: 'not_enrolled' })
  expect(fs.readFileSync(file).subarray(0, 2).toString()).toBe('PK')
  // a reminder is for a step a physician must take, not one waiting on a reviewer
  await refused(office.remind({ step: 'enrolment_review' }), 'VALIDATION_FAILED')
})

test('bj_commission reads the figures; dc_commission is refused another district; an office is refused', async () => {
  await signInAs('bj_commission')
  const all = await commission.figures()
  expect(all.state_labels.institution_confirmed).toMatch(/[\u4e00-\u9fa5]/)
  expect(Array.isArray(all.items)).toBe(true)
  const dc = await commission.figures({ regionCode: '110101' })
  expect(Array.isArray(dc.items)).toBe(true)

  await signInAs('dc_commission')
  const own = await commission.figures()
  expect(Array.isArray(own.items)).toBe(true)
  const refusal = await refused(commission.figures({ regionCode: '110105' }), 'FORBIDDEN')
  expect(refusal.message).toContain('本辖区')

  await signInAs('bj_office')
  await refused(commission.figures(), 'ROLE_FORBIDDEN')
})
