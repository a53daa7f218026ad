/**
 * The signed-in state: tokens, and who the user is (role decides which pages show).
 * Kept in wx storage so a killed app resumes signed in. Listeners hear log-in and log-out.
 */
const KEY = 'auth'
let cache
const listeners = new Set()

function load() {
  if (cache === undefined) {
    try {
      cache = wx.getStorageSync(KEY) || null
    } catch (e) {
      cache = null
    }
  }
  return cache
}

function save(value) {
  cache = value
  try {
    if (value) wx.setStorageSync(KEY, value)
    else wx.removeStorageSync(KEY)
  } catch (e) {
    // Storage full or unavailable: the in-memory copy still works for this run.
  }
  listeners.forEach((fn) => fn(value))
}

/** Store the server's TokensOut ({access_token, refresh_token, expires_in, must_change_password}). */
function setTokens(tokens) {
  const prev = load() || {}
  save({
    ...prev,
    accessToken: tokens.access_token,
    refreshToken: tokens.refresh_token,
    expiresAt: Date.now() + (tokens.expires_in || 0) * 1000,
    mustChangePassword: Boolean(tokens.must_change_password),
  })
}

function setUser(user) {
  const prev = load()
  if (prev) save({ ...prev, user })
}

function accessToken() {
  const v = load()
  return v ? v.accessToken : null
}

function refreshToken() {
  const v = load()
  return v ? v.refreshToken : null
}

function user() {
  const v = load()
  return (v && v.user) || null
}

function isLoggedIn() {
  return Boolean(accessToken())
}

function isReviewer() {
  const u = user()
  return Boolean(u && /_reviewer$/.test(u.role))
}

function clear() {
  save(null)
}

function subscribe(fn) {
  listeners.add(fn)
  return () => listeners.delete(fn)
}

/** Tests: forget the in-memory copy so the next read comes from storage. */
function reset() {
  cache = undefined
  listeners.clear()
}

module.exports = {
  setTokens,
  setUser,
  accessToken,
  refreshToken,
  user,
  isLoggedIn,
  isReviewer,
  clear,
  subscribe,
  reset,
}
