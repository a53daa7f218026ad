/**
 * End to end, staff accounts: the mini-program's own services (services/staff.js, auth, account) over real HTTP
 * against a server this test starts with the demo data. The administrator creates an office account and an
 * institution account; the new account logs in with its one-time password, is held to the password change,
 * changes it and logs in again; BJ_OFFICE (upper case) logs in; bj_office creates an account in 北京 and is
 * refused one in 河北 (石家庄 sjz_center's region); disabling ends the account's sessions; enabling restores
 * the log-in; the wrong role and the wrong region are refused.
 */
const { createWxBridge } = require('../support/wx-bridge')
const { startServer } = require('../support/server')

jest.setTimeout(180000)

const DEMO_PASSWORD = 'Yishi-Demo-2026'

let server
let bridge
let store
let http
let auth
let account
let staff
let lookups
let reviews

beforeAll(async () => {
  server = await startServer()
  bridge = createWxBridge({ emulatorBase: server.emulatorBase })
  global.wx = bridge.wx
  require('../../config/env').setBaseUrl(server.baseUrl)
  store = require('../../utils/auth-store')
  http = require('../../utils/request')
  http.setSignedOutHandler(() => bridge.ui.push(['signedOut']))
  auth = require('../../services/auth')
  account = require('../../services/account')
  staff = require('../../services/staff')
  lookups = require('../../services/lookups')
  reviews = require('../../services/reviews')
})

afterAll(async () => {
  if (server) await server.stop()
})

async function expectApiError(promise, code) {
  let caught = null
  try {
    await promise
  } catch (err) {
    caught = err
  }
  expect(caught).not.toBeNull()
  expect(caught.code).toBe(code)
  expect(caught.message).toMatch(/[\u4e00-\u9fa5]/) // the server's Chinese sentence, shown as is
  return caught
}

async function logIn(login, password) {
  store.clear()
  return auth.logInWithPassword({ login, password })
}

const state = {}

test('admin creates an office account and an institution account, each with a one-time password', async () => {
  const me = await logIn('admin', DEMO_PASSWORD)
  expect(me.role).toBe('admin')

  const office = await staff.create({
    username: 'E2E_Office',
    role: 'office_reviewer',
    realName: '测试考核员',
    regionCode: '110105',
  })
  expect(office.staff.username).toBe('e2e_office')
  expect(office.staff.region_name).toBe('北京市朝阳区')
  expect(office.staff.must_change_password).toBe(true)
  expect(office.one_time_password).toHaveLength(12)
  expect(new Date(office.expires_at).getTime()).toBeGreaterThan(Date.now() + 71 * 3600 * 1000)
  state.office = office

  const found = await lookups.institutions({ q: '东城区示范医院' })
  const hospital = found.items[0]
  expect(hospital.name).toBe('北京市东城区示范医院')
  const inst = await staff.create({
    username: 'e2e_hospital',
    role: 'institution_reviewer',
    realName: '测试机构员',
    phone: '13900009999',
    institutionId: hospital.id,
  })
  expect(inst.staff.institution_name).toBe('北京市东城区示范医院')
  expect(inst.staff.phone).toBe('139****9999')
  state.institution = inst

  const page = await staff.list({ q: 'e2e', role: 'institution_reviewer' })
  expect(page.items.map((s) => s.username)).toEqual(['e2e_hospital'])
  // bad input: an office account without its region, refused with its field, nothing created
  const err = await expectApiError(
    staff.create({ username: 'e2e_bad', role: 'office_reviewer', realName: '测试', regionCode: null }),
    'STAFF_SCOPE_INVALID',
  )
  expect(err.field).toBe('region_code')
  expect((await staff.list({ q: 'e2e_bad' })).items).toEqual([])
})

test('the new account logs in with its one-time password, is held to the change, changes it, logs in again', async () => {
  expect(state.office).toBeTruthy()
  const me = await logIn('e2e_office', state.office.one_time_password)
  expect(me.must_change_password).toBe(true)
  // anything but the change is refused until then
  await expectApiError(reviews.counts(), 'PASSWORD_CHANGE_REQUIRED')
  expect(bridge.ui).toContainEqual(['reLaunch', '/pages/settings/password?first=1'])
  await account.changePassword({ oldPassword: state.office.one_time_password, newPassword: 'E2e-Kaohe-2026!' })
  store.clear()
  // the one-time password is spent
  await expectApiError(logIn('e2e_office', state.office.one_time_password), 'INVALID_CREDENTIALS')
  const again = await logIn('E2E_OFFICE', 'E2e-Kaohe-2026!')
  expect(again.must_change_password).toBe(false)
  const counts = await reviews.counts()
  expect(typeof counts.total).toBe('number')
})

test('user names log in whatever their case: BJ_OFFICE is bj_office', async () => {
  const me = await logIn('BJ_OFFICE', DEMO_PASSWORD)
  expect(me.role).toBe('office_reviewer')
  expect(me.username).toBe('bj_office')
})

test('bj_office creates an office account in 北京 and is refused one in 河北; an institution account is not its to make', async () => {
  await logIn('bj_office', DEMO_PASSWORD)
  const made = await staff.create({
    username: 'e2e_hd_office',
    role: 'office_reviewer',
    realName: '海淀考核员',
    regionCode: '110108',
  })
  expect(made.staff.region_name).toBe('北京市海淀区')
  const err = await expectApiError(
    staff.create({ username: 'e2e_hb_office', role: 'office_reviewer', realName: '河北考核员', regionCode: '130102' }),
    'STAFF_SCOPE_FORBIDDEN',
  )
  expect(err.status).toBe(403)
  await expectApiError(
    staff.create({ username: 'e2e_inst2', role: 'institution_reviewer', realName: '机构员', institutionId: 1 }),
    'STAFF_SCOPE_FORBIDDEN',
  )
  // its list holds offices in 北京 only; sjz_center (石家庄) is out of its reach and answers as absent
  const listed = await staff.list({ limit: 50 })
  expect(listed.items.every((s) => s.role === 'office_reviewer')).toBe(true)
  expect(listed.items.map((s) => s.username)).toContain('e2e_hd_office')
  expect(listed.items.map((s) => s.username)).not.toContain('sjz_center')
  await expectApiError(staff.item(state.institution.staff.id), 'STAFF_NOT_FOUND')
})

test('an institution account manages no staff accounts (wrong role)', async () => {
  await logIn('sjz_center', DEMO_PASSWORD)
  await expectApiError(staff.list(), 'ROLE_FORBIDDEN')
  await expectApiError(
    staff.create({ username: 'e2e_x', role: 'institution_reviewer', realName: '测试', institutionId: 1 }),
    'ROLE_FORBIDDEN',
  )
})

test('disable ends the account’s sessions at once; enable restores the log-in; a reset gives a new one-time password', async () => {
  // the new office account is signed in on its own device
  const officeSession = await logIn('e2e_office', 'E2e-Kaohe-2026!')
  expect(officeSession.username).toBe('e2e_office')
  const officeTokens = { access_token: store.accessToken(), refresh_token: store.refreshToken(), expires_in: 900 }

  await logIn('admin', DEMO_PASSWORD)
  const id = state.office.staff.id
  const disabled = await staff.disable(id, '人员调离')
  expect(disabled.is_active).toBe(false)

  // its session is over at once (the device's next request), and it cannot log in again
  store.clear()
  store.setTokens(officeTokens)
  let ended = null
  try {
    await reviews.counts()
  } catch (err) {
    ended = err
  }
  expect(ended && ended.status).toBe(401)
  expect(store.isLoggedIn()).toBe(false)
  await expectApiError(logIn('e2e_office', 'E2e-Kaohe-2026!'), 'ACCOUNT_DISABLED')

  await logIn('admin', DEMO_PASSWORD)
  const enabled = await staff.enable(id, '返岗')
  expect(enabled.is_active).toBe(true)
  const back = await logIn('e2e_office', 'E2e-Kaohe-2026!')
  expect(back.username).toBe('e2e_office')

  await logIn('admin', DEMO_PASSWORD)
  const reset = await staff.resetPassword(id)
  expect(reset.one_time_password).toHaveLength(12)
  expect(reset.staff.must_change_password).toBe(true)
  await expectApiError(logIn('e2e_office', 'E2e-Kaohe-2026!'), 'INVALID_CREDENTIALS')
  const fresh = await logIn('e2e_office', reset.one_time_password)
  expect(fresh.must_change_password).toBe(true)
})
