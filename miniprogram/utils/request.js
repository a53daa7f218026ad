/**
 * THE request module: every service calls the server through here, never wx.request directly.
 *
 * - base URL per environment (config/env.js), JSON in and out, bearer token from the auth store;
 * - an expired access token (401 TOKEN_EXPIRED / TOKEN_INVALID) is refreshed ONCE, shared by all requests
 *   that fail together (the server rotates refresh tokens and treats reuse as theft), then the request is
 *   replayed once; if the refresh fails the user is signed out and sent to the log-in page;
 * - any status >= 400 becomes an ApiError carrying the server's code and Chinese message; a request that
 *   gets no answer becomes ApiError NETWORK / TIMEOUT. Nothing fails silently: callers get a rejection.
 */
const env = require('../config/env')
const store = require('./auth-store')
const { ApiError, fromResponse, clientError } = require('./errors')

const TIMEOUT_MS = 15000
const REFRESHABLE = new Set(['TOKEN_EXPIRED', 'TOKEN_INVALID'])
// A session opened with a one-time or initial password may only change it (server: 403 PASSWORD_CHANGE_REQUIRED):
// any other call sends the person to the password page in its forced mode, which cannot be left.
const FORCED_PASSWORD_PAGE = '/pages/settings/password?first=1'
let refreshing = null
let onSignedOut = defaultSignedOut

function defaultSignedOut() {
  try {
    wx.reLaunch({ url: '/pages/login/index' })
  } catch (e) {
    // Outside a page stack (tests, app launch): the caller's rejection is enough.
  }
}

/** Where to go when the session cannot be saved (tests replace it). */
function setSignedOutHandler(fn) {
  onSignedOut = fn || defaultSignedOut
}

function qs(query) {
  if (!query) return ''
  const parts = Object.keys(query)
    .filter((k) => query[k] !== undefined && query[k] !== null && query[k] !== '')
    .map((k) => `${encodeURIComponent(k)}=${encodeURIComponent(query[k])}`)
  return parts.length ? `?${parts.join('&')}` : ''
}

function url(path, query) {
  if (/^https?:\/\//.test(path)) return path + qs(query)
  return env.baseUrl() + env.API_PREFIX + path + qs(query)
}

function failure(err) {
  const msg = (err && err.errMsg) || ''
  return clientError(/timeout/i.test(msg) ? 'TIMEOUT' : 'NETWORK')
}

function send({ method, path, query, data, header }) {
  return new Promise((resolve, reject) => {
    wx.request({
      url: url(path, query),
      method,
      data,
      header: { 'content-type': 'application/json', ...header },
      timeout: TIMEOUT_MS,
      dataType: 'json',
      success: resolve,
      fail: (err) => reject(failure(err)),
    })
  })
}

function authHeader() {
  const token = store.accessToken()
  return token ? { Authorization: `Bearer ${token}` } : {}
}

function parse(res) {
  let body = res.data
  if (typeof body === 'string' && body) {
    try {
      body = JSON.parse(body)
    } catch (e) {
      if (res.statusCode < 400) throw clientError('BAD_RESPONSE', { status: res.statusCode })
    }
  }
  if (res.statusCode >= 400) throw fromResponse(res.statusCode, body)
  return body === '' ? null : body
}

/** Refresh the tokens once for every request that needs it at the same moment. */
function refreshTokens() {
  if (!refreshing) {
    const token = store.refreshToken()
    refreshing = (async () => {
      if (!token) throw clientError('NOT_LOGGED_IN', { status: 401 })
      const res = await send({ method: 'POST', path: '/auth/refresh', data: { refresh_token: token } })
      const tokens = parse(res)
      store.setTokens(tokens)
      return tokens
    })().finally(() => {
      refreshing = null
    })
  }
  return refreshing
}

function forcePasswordChange() {
  try {
    const pages = typeof getCurrentPages === 'function' ? getCurrentPages() : []
    const here = pages.length ? pages[pages.length - 1].route : ''
    if (here !== 'pages/settings/password') wx.reLaunch({ url: FORCED_PASSWORD_PAGE })
  } catch (e) {
    // no page stack (tests, background): the caller still gets the error
  }
}

function signOut(err) {
  store.clear()
  onSignedOut(err)
}

/**
 * Send one authenticated (unless auth: false) request through `transport` (a function of the auth header
 * returning the raw wx answer), refreshing the token once on expiry.
 */
async function withAuth(transport, { auth = true } = {}) {
  const first = await transport(auth ? authHeader() : {})
  try {
    return parse(first)
  } catch (err) {
    if (auth && err instanceof ApiError && err.code === 'PASSWORD_CHANGE_REQUIRED') forcePasswordChange()
    if (!auth || !(err instanceof ApiError) || err.status !== 401) throw err
    if (!REFRESHABLE.has(err.code)) {
      signOut(err)
      throw err
    }
    try {
      await refreshTokens()
    } catch (refreshErr) {
      if (!(refreshErr instanceof ApiError) || !refreshErr.offline) signOut(refreshErr)
      throw refreshErr.offline ? refreshErr : err
    }
    const second = await transport(authHeader())
    try {
      return parse(second)
    } catch (again) {
      if (again instanceof ApiError && again.status === 401) signOut(again)
      throw again
    }
  }
}

/** JSON request. Resolves to the parsed body; rejects with ApiError. */
function request({ method = 'GET', path, query, data, header = {}, auth = true }) {
  return withAuth((h) => send({ method, path, query, data, header: { ...header, ...h } }), { auth })
}

/** multipart upload of one local file (wx.uploadFile) plus form fields; resolves to the parsed JSON body. */
/** onProgress(percent) follows the upload (wx.uploadFile's task), for a per-file progress bar. */
function upload({ path, filePath, name = 'file', formData = {}, header = {}, auth = true, onProgress = null }) {
  const transport = (h) =>
    new Promise((resolve, reject) => {
      const task = wx.uploadFile({
        url: url(path),
        filePath,
        name,
        formData,
        header: { ...header, ...h },
        timeout: 60000,
        success: resolve,
        fail: (err) => reject(failure(err)),
      })
      if (onProgress && task && task.onProgressUpdate) task.onProgressUpdate((r) => onProgress(r.progress))
    })
  return withAuth(transport, { auth })
}

/** Download a protected file (a PDF notice); resolves to the local temp path. */
async function download({ path, query, auth = true }) {
  let last = null
  const transport = (h) =>
    new Promise((resolve, reject) => {
      wx.downloadFile({
        url: url(path, query),
        header: h,
        timeout: 60000,
        success: (res) => {
          last = res
          resolve({ statusCode: res.statusCode, data: res.statusCode >= 400 ? readError(res) : '' })
        },
        fail: (err) => reject(failure(err)),
      })
    })
  await withAuth(transport, { auth })
  return last.tempFilePath
}

function readError(res) {
  try {
    return wx.getFileSystemManager().readFileSync(res.tempFilePath, 'utf8')
  } catch (e) {
    return ''
  }
}

/**
 * Open a downloaded file in WeChat's viewer (``showMenu``: WeChat on Windows and Mac can save it); resolves to the
 * path once it is open, rejects with DOCUMENT_OPEN_FAILED.
 */
function openDocument(filePath, fileType = 'pdf') {
  return new Promise((resolve, reject) => {
    wx.openDocument({
      filePath,
      fileType,
      showMenu: true,
      success: () => resolve(filePath),
      fail: () => reject(clientError('DOCUMENT_OPEN_FAILED')),
    })
  })
}

/** Download with the token (as ``download``), then open it; resolves to the local path. */
async function openDownload(args, fileType = 'pdf') {
  return openDocument(await download(args), fileType)
}

const get = (path, query, opts = {}) => request({ ...opts, method: 'GET', path, query })
const post = (path, data, opts = {}) => request({ ...opts, method: 'POST', path, data })
const put = (path, data, opts = {}) => request({ ...opts, method: 'PUT', path, data })
const del = (path, opts = {}) => request({ ...opts, method: 'DELETE', path })

module.exports = {
  request,
  get,
  post,
  put,
  del,
  upload,
  download,
  openDocument,
  openDownload,
  url,
  setSignedOutHandler,
  refreshTokens,
  FORCED_PASSWORD_PAGE,
}
