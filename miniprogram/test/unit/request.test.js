const { installFakeWx, settle } = require('../support/load-page')

function setup() {
  const fake = installFakeWx()
  const http = require('../../utils/request')
  const store = require('../../utils/auth-store')
  const signedOut = jest.fn()
  http.setSignedOutHandler(signedOut)
  return { fake, http, store, signedOut }
}

test('JSON in and out, bearer token, query string without empty values', async () => {
  const { fake, http } = setup()
  fake.signIn()
  fake.route('GET', '/reviews/queue', (req) => {
    expect(req.header.Authorization).toBe('Bearer at-1')
    expect(req.query).toEqual({ kind: 'registry_info_change', limit: '20' })
    return { items: [], next_cursor: null }
  })
  await expect(http.get('/reviews/queue', { kind: 'registry_info_change', cursor: null, limit: 20 })).resolves.toEqual({
    items: [],
    next_cursor: null,
  })
})

test('the server error becomes an ApiError with its code, Chinese message and field', async () => {
  const { fake, http } = setup()
  fake.route('POST', '/auth/register', fake.error(400, 'SMS_CODE_INVALID', '验证码错误或已过期', { field: 'sms_code' }))
  const err = await http.post('/auth/register', {}, { auth: false }).catch((e) => e)
  expect(err.name).toBe('ApiError')
  expect(err).toMatchObject({ code: 'SMS_CODE_INVALID', status: 400, field: 'sms_code', message: '验证码错误或已过期' })
})

test('a body that is not ours (proxy error page) still gives a Chinese message', async () => {
  const { fake, http } = setup()
  fake.route('GET', '/inbox', { statusCode: 502, data: '<html>Bad Gateway</html>' })
  const err = await http.get('/inbox', null, { auth: false }).catch((e) => e)
  expect(err.code).toBe('HTTP_502')
  expect(err.message).toBe('服务暂时不可用，请稍后再试')
})

test('no answer at all: NETWORK, marked offline, with a message', async () => {
  const { fake, http } = setup()
  fake.setOffline(true)
  const err = await http.get('/me').catch((e) => e)
  expect(err.code).toBe('NETWORK')
  expect(err.offline).toBe(true)
  expect(err.message).toBe('网络连接失败，请检查网络后重试')
})

test('an expired token is refreshed ONCE for requests failing together, then each is replayed', async () => {
  const { fake, http, store } = setup()
  fake.signIn()
  let refreshes = 0
  fake.route('POST', '/auth/refresh', (req) => {
    refreshes += 1
    expect(req.data).toEqual({ refresh_token: 'rt-1' })
    return { access_token: 'at-2', refresh_token: 'rt-2', expires_in: 900 }
  })
  fake.route('GET', '/me', (req) =>
    req.header.Authorization === 'Bearer at-2'
      ? { id: 1 }
      : fake.error(401, 'TOKEN_EXPIRED', '登录已过期，请刷新或重新登录'),
  )
  const results = await Promise.all([http.get('/me'), http.get('/me'), http.get('/me')])
  expect(results).toEqual([{ id: 1 }, { id: 1 }, { id: 1 }])
  expect(refreshes).toBe(1)
  expect(store.accessToken()).toBe('at-2')
  expect(store.refreshToken()).toBe('rt-2')
})

test('a refused refresh signs out and rejects with the original reason; no loop', async () => {
  const { fake, http, store, signedOut } = setup()
  fake.signIn()
  fake.route('POST', '/auth/refresh', fake.error(401, 'REFRESH_TOKEN_INVALID', '登录已失效，请重新登录'))
  fake.route('GET', '/me', fake.error(401, 'TOKEN_EXPIRED', '登录已过期，请刷新或重新登录'))
  const err = await http.get('/me').catch((e) => e)
  expect(err.code).toBe('TOKEN_EXPIRED')
  expect(store.isLoggedIn()).toBe(false)
  expect(signedOut).toHaveBeenCalledTimes(1)
  expect(fake.requests.filter((r) => r.path === '/me')).toHaveLength(1)
})

test('a replay that fails again with 401 is not refreshed a second time', async () => {
  const { fake, http, signedOut } = setup()
  fake.signIn()
  fake.route('POST', '/auth/refresh', { access_token: 'at-2', refresh_token: 'rt-2', expires_in: 900 })
  fake.route('GET', '/me', fake.error(401, 'TOKEN_EXPIRED', '登录已过期'))
  const err = await http.get('/me').catch((e) => e)
  expect(err.code).toBe('TOKEN_EXPIRED')
  expect(fake.requests.filter((r) => r.path === '/auth/refresh')).toHaveLength(1)
  expect(fake.requests.filter((r) => r.path === '/me')).toHaveLength(2)
  expect(signedOut).toHaveBeenCalled()
})

test('an ended session signs out at once (nothing to refresh)', async () => {
  const { fake, http, store } = setup()
  fake.signIn()
  fake.route('GET', '/me', fake.error(401, 'SESSION_ENDED', '登录已失效，请重新登录'))
  await expect(http.get('/me')).rejects.toMatchObject({ code: 'SESSION_ENDED' })
  expect(fake.requests.filter((r) => r.path === '/auth/refresh')).toHaveLength(0)
  expect(store.isLoggedIn()).toBe(false)
})

test('a 401 on an unauthenticated call (wrong password) is just a refusal', async () => {
  const { fake, http, signedOut } = setup()
  fake.route('POST', '/auth/login', fake.error(401, 'INVALID_CREDENTIALS', '账号或密码错误'))
  await expect(http.post('/auth/login', {}, { auth: false })).rejects.toMatchObject({ message: '账号或密码错误' })
  expect(signedOut).not.toHaveBeenCalled()
})

test('upload: multipart through wx.uploadFile, JSON body parsed, errors mapped', async () => {
  const { fake, http } = setup()
  fake.signIn()
  fake.route('POST', '/proctoring/captures', (req) => {
    expect(req.data).toEqual({ filePath: '/tmp/a.jpg', name: 'image', formData: { exam_kind: 'humanities' } })
    expect(req.header.Authorization).toBe('Bearer at-1')
    return { statusCode: 201, data: { capture_id: 'c1', accepted: true } }
  })
  const res = await http.upload({
    path: '/proctoring/captures',
    filePath: '/tmp/a.jpg',
    name: 'image',
    formData: { exam_kind: 'humanities' },
  })
  expect(res.capture_id).toBe('c1')
})

test('download resolves to the temp path; base URL per environment', async () => {
  const { fake, http } = setup()
  fake.signIn()
  fake.route('GET', '/assessment/result/notice.pdf', { statusCode: 200, data: '' })
  await expect(http.download({ path: '/assessment/result/notice.pdf' })).resolves.toBe('/tmp/fake-download.pdf')
  const env = require('../../config/env')
  expect(http.url('/me')).toBe('http://127.0.0.1:8000/api/v1/me')
  global.wx.getAccountInfoSync = () => ({ miniProgram: { envVersion: 'release' } })
  expect(env.baseUrl()).toBe(env.BASE_URLS.release)
  await settle()
})
