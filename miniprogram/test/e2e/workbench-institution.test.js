/**
 * End to end, the institution workbench's services (services/institution.js) against the real server with the
 * demo data: 东城区示范医院 (dc_hospital) sends 陈晨 an activation code (SMS through the worker and the Aliyun
 * emulator), keeps its department dictionary, issues a 定考 credential, hides and un-hides the account, resets
 * a physician's password (the temporary password only by SMS), looks a physician up, files a case; 朝阳区示范医院
 * (cy_hospital) activates its own 林琳 directly and is refused on every one of 东城's physicians.
 */
const { createWxBridge } = require('../support/wx-bridge')
const { startServer } = require('../support/server')

jest.setTimeout(180000)

const DEMO_PASSWORD = 'Yishi-Demo-2026'
const ZHANG = '13800000001' // 张明, 东城, active
const LI = '13800000002' // 李华, 朝阳, filed at 东城
const CHEN = '13800000004' // 陈晨, 东城, verified, not activated

let server
let bridge
let store
let auth
let institution
const seen = {}

beforeAll(async () => {
  server = await startServer()
  bridge = createWxBridge({ emulatorBase: server.emulatorBase })
  global.wx = bridge.wx
  require('../../config/env').setBaseUrl(server.baseUrl)
  store = require('../../utils/auth-store')
  require('../../utils/request').setSignedOutHandler(() => bridge.ui.push(['signedOut']))
  auth = require('../../services/auth')
  institution = require('../../services/institution')
})

afterAll(async () => {
  if (server) await server.stop()
})

async function signInAs(login, password = DEMO_PASSWORD) {
  store.clear()
  return auth.logInWithPassword({ login, password })
}

async function refused(promise, code, status) {
  let caught = null
  try {
    await promise
  } catch (err) {
    caught = err
  }
  expect(caught).not.toBeNull()
  expect(caught.code).toBe(code)
  if (status) expect(caught.status).toBe(status)
  expect(caught.message).toMatch(/[\u4e00-\u9fa5]/) // the server's Chinese sentence, shown as is
  return caught
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

const byName = (rows, name) => rows.find((p) => p.name === name)

test('the roll: 东城 lists its own physicians only, each in the server shape; a physician is refused', async () => {
  await signInAs(CHEN)
  await refused(institution.allPhysicians(), 'ROLE_FORBIDDEN', 403)

  await signInAs('cy_hospital')
  const cy = await institution.allPhysicians()
  seen.lin = byName(cy, '林琳')
  seen.li = byName(cy, '李华')
  expect(seen.lin.account_status).toBe('verified')

  await signInAs('dc_hospital')
  const dc = await institution.allPhysicians()
  seen.chen = byName(dc, '陈晨')
  seen.zhang = byName(dc, '张明')
  expect(seen.chen.account_status).toBe('verified')
  expect(seen.zhang.account_status).toBe('active')
  expect(seen.zhang.id_number).toMatch(/\*/) // masked
  expect(byName(dc, '林琳')).toBeUndefined()
  expect((await institution.physicians({ name: '陈晨' })).items.map((p) => p.name)).toEqual(['陈晨'])
  expect((await institution.physician(seen.chen.registration_id)).name).toBe('陈晨')
  expect(await institution.physician(seen.lin.registration_id)).toBeNull()
})

test('activation: 东城 sends 陈晨 a code by SMS; 朝阳 activates 林琳 directly; each refused on the other’s', async () => {
  await signInAs('dc_hospital')
  const sent = await institution.sendActivationCodes([seen.chen.registration_id])
  expect(sent.results[0]).toMatchObject({ registration_id: seen.chen.registration_id, ok: true })
  expect(sent.results[0].phone).toBe('138****0004')
  const sms = await poll('the activation SMS', async () => {
    const list = await bridge.smsMessages(CHEN)
    return list.find((m) => m.params && m.params.code && m.params.institution) || null
  })
  expect(sms.params.institution).toContain('东城')
  // 林琳 is 朝阳's: 东城 may neither activate her nor send her a code.
  await refused(institution.activate(seen.lin.registration_id), 'NO_REGISTRATION_HERE', 404)
  const other = await institution.sendActivationCodes([seen.lin.registration_id])
  expect(other.results[0].ok).toBe(false)
  expect(other.results[0].message).toMatch(/[\u4e00-\u9fa5]/)

  await signInAs('cy_hospital')
  await refused(institution.activate(seen.chen.registration_id), 'NO_REGISTRATION_HERE', 404)
  const cyCode = await institution.sendActivationCodes([seen.chen.registration_id])
  expect(cyCode.results[0].ok).toBe(false)
  const done = await institution.activate(seen.lin.registration_id)
  expect(done.account_status).toBe('active')
  await refused(institution.activate(seen.lin.registration_id), 'ALREADY_ACTIVATED', 409)
  expect(byName(await institution.allPhysicians(), '林琳').account_status).toBe('active')
})

test('departments: added, renamed, deleted; a taken name refused; 朝阳 cannot touch 东城’s', async () => {
  await signInAs('dc_hospital')
  const before = await institution.departments()
  const added = await institution.addDepartment('测试科室')
  expect(added.name).toBe('测试科室')
  await refused(institution.addDepartment('测试科室'), 'DEPARTMENT_NAME_TAKEN', 409)
  const renamed = await institution.renameDepartment(added.id, '测试科室二')
  expect(renamed.name).toBe('测试科室二')

  await signInAs('cy_hospital')
  expect((await institution.departments()).map((d) => d.id)).not.toContain(added.id)
  const err = await refused(institution.deleteDepartment(added.id), 'DEPARTMENT_NOT_FOUND')
  expect(err.status).toBe(404)

  await signInAs('dc_hospital')
  expect(await institution.deleteDepartment(added.id)).toEqual({ ok: true })
  expect((await institution.departments()).map((d) => d.id)).toEqual(before.map((d) => d.id))
  // (The demo data puts no physician in a department, so DEPARTMENT_IN_USE is shown by the page test only.)
})

test('定考: 东城 issues 张明 a one-time credential, finds the account, hides and un-hides it; 朝阳 is refused', async () => {
  const zhang = await server.person(ZHANG)
  await signInAs('cy_hospital')
  let cyErr = null
  try {
    await institution.issueCredential({ name: zhang.name, idNumber: zhang.id_number })
  } catch (e) {
    cyErr = e
  }
  expect(cyErr).not.toBeNull()
  expect(cyErr.status).toBeGreaterThanOrEqual(400)

  await signInAs('dc_hospital')
  const issued = await institution.issueCredential({
    name: zhang.name,
    idNumber: zhang.id_number,
    documentType: 'resident_id',
  })
  expect(issued.credential).toHaveLength(10)
  expect(issued.id_number).toMatch(/\*/)
  await refused(institution.issueCredential({ name: '别人', idNumber: zhang.id_number }), 'IDENTITY_MISMATCH', 400)

  const [account] = await institution.accounts({ idNumber: zhang.id_number, documentType: 'resident_id' })
  expect(account.id).toBe(issued.account_id)
  expect(account.is_hidden).toBe(false)
  await refused(institution.hideAccount(account.id, ''), 'VALIDATION_FAILED', 422)
  expect((await institution.hideAccount(account.id, '重复账号')).is_hidden).toBe(true)
  expect((await institution.unhideAccount(account.id)).is_hidden).toBe(false)

  await signInAs('cy_hospital')
  expect(await institution.accounts({ idNumber: zhang.id_number, documentType: 'resident_id' })).toEqual([])
  await refused(institution.hideAccount(account.id, '不是本院的'), 'ASSESSMENT_ACCOUNT_NOT_FOUND', 404)
})

test('password reset: the temporary password reaches 张明 by SMS only; 朝阳 is refused', async () => {
  await signInAs('cy_hospital')
  await refused(institution.resetPassword(seen.zhang.user_id), 'PHYSICIAN_NOT_FOUND', 404)

  await signInAs('dc_hospital')
  const before = (await bridge.smsMessages(ZHANG)).length
  const done = await institution.resetPassword(seen.zhang.user_id)
  expect(done.user_id).toBe(seen.zhang.user_id)
  expect(done.sms_sent).toBe(true)
  expect(JSON.stringify(done)).not.toMatch(/password"\s*:/) // nothing to show on the staff's screen
  const sms = await poll('the password SMS', async () => {
    const list = await bridge.smsMessages(ZHANG)
    return list.length > before ? list.find((m) => m.params && m.params.code) : null
  })
  const me = await signInAs(ZHANG, sms.params.code)
  expect(me.must_change_password).toBe(true)
})

test('revoke: 朝阳 may not revoke 东城’s 陈晨; an empty reason is refused', async () => {
  await signInAs('cy_hospital')
  await refused(institution.revoke(seen.chen.registration_id, '误注册'), 'NO_REGISTRATION_HERE', 404)
  await signInAs('dc_hospital')
  await refused(institution.revoke(seen.chen.registration_id, ''), 'VALIDATION_FAILED', 422)
})

test('multi-site: 李华 of 朝阳 filed at 东城, seen from both sides', async () => {
  await signInAs('dc_hospital')
  const here = (await institution.multiSite('here')).items
  const li = byName(here, '李华')
  expect(li.main_institution_name).toContain('朝阳')
  expect(li.filed_institution_name).toContain('东城')
  expect(byName((await institution.multiSite('elsewhere')).items, '李华')).toBeUndefined()
  await refused(institution.multiSite('sideways'), 'VALIDATION_FAILED', 422)
  await signInAs('cy_hospital')
  expect(byName((await institution.multiSite('elsewhere')).items, '李华')).toBeTruthy()
  expect(seen.li).toBeTruthy()
})

test('look-up: a qualification found by name and number, masked; a wrong name finds nothing', async () => {
  const zhang = await server.person(ZHANG)
  await signInAs('dc_hospital')
  const found = await institution.lookup({ name: zhang.name, idNumber: zhang.id_number })
  expect(found.qualifications.length).toBeGreaterThan(0)
  expect(found.qualifications[0].id_number).toMatch(/\*/)
  expect(found.registrations.length).toBeGreaterThan(0)
  await refused(institution.lookup({ name: '无此人', idNumber: zhang.id_number }), 'PHYSICIAN_NOT_FOUND', 404)
  await signInAs(LI)
  await refused(institution.lookup({ name: zhang.name, idNumber: zhang.id_number }), 'ROLE_FORBIDDEN', 403)
})

test('authorities: set per category, read back; a physician may not', async () => {
  await signInAs('dc_hospital')
  const before = await institution.authorities()
  expect(Object.keys(before).sort()).toEqual(['clinical', 'dental', 'public_health', 'tcm'])
  const after = await institution.setAuthorities({ dental: '北京市东城区卫生健康委员会' })
  expect(after.dental).toBe('北京市东城区卫生健康委员会')
  expect((await institution.categories()).map((c) => c.code).sort()).toEqual(Object.keys(before).sort())
  await signInAs(CHEN)
  await refused(institution.setAuthorities({ dental: '随便' }), 'ROLE_FORBIDDEN', 403)
})

test('filings: 东城 files 张明, which waits at the commission; 朝阳 may not file 东城’s', async () => {
  await signInAs('cy_hospital')
  await refused(
    institution.file({ kind: 'filing', registrationId: seen.zhang.registration_id, reason: 'retirement' }),
    'NO_REGISTRATION_HERE',
    404,
  )
  await signInAs('dc_hospital')
  await refused(
    institution.file({ kind: 'filing', registrationId: seen.zhang.registration_id, reason: 'bored' }),
    'APPLICATION_INCOMPLETE',
    422,
  )
  const app = await institution.file({
    kind: 'filing',
    registrationId: seen.zhang.registration_id,
    reason: 'retirement',
    note: '已办理退休手续',
  })
  expect(institution.filingStatusText(app)).toBe('待卫生健康行政部门审批')
  const list = await institution.filings()
  expect(list.map((a) => a.id)).toContain(app.id)
  const mine = list.find((a) => a.id === app.id)
  expect(mine.data.reason_label).toBe('退休')
  expect(mine.data.physician_name).toBe('张明')
  expect(institution.filingStatusText(mine)).not.toBe('待机构确认')
  await signInAs('cy_hospital')
  expect((await institution.filings()).map((a) => a.id)).not.toContain(app.id)
})
