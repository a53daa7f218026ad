/** Security settings of the signed-in account: password, phone, sessions (devices), WeChat binding. */
const http = require('../utils/request')
const store = require('../utils/auth-store')

const PATHS = {
  password: '/me/password',
  phone: '/me/phone',
  sessions: '/me/sessions',
  session: (id) => `/me/sessions/${encodeURIComponent(id)}`,
  wechat: '/me/wechat',
}

/** Other devices are signed out; this one gets new tokens. */
async function changePassword({ oldPassword, newPassword }) {
  const tokens = await http.post(PATHS.password, { old_password: oldPassword, new_password: newPassword })
  store.setTokens(tokens)
  return tokens
}

function changePhone({ oldCode, newPhone, newCode }) {
  return http.post(PATHS.phone, { old_code: oldCode, new_phone: newPhone, new_code: newCode })
}

async function listSessions() {
  const res = await http.get(PATHS.sessions)
  return res.items
}

function endSession(id) {
  return http.del(PATHS.session(id))
}

/** Resolves to how many other sessions were ended. */
async function endOtherSessions() {
  const res = await http.del(PATHS.sessions)
  return res.ended
}

module.exports = { PATHS, changePassword, changePhone, listSessions, endSession, endOtherSessions }
