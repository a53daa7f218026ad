/** Small helpers shared by pages (all pages are built with Component(), so they also load in tests). */
const store = require('./auth-store')
const inbox = require('../services/inbox')
const { messageOf } = require('./errors')
const { toast } = require('./ui')
const { FORCED_PASSWORD_PAGE } = require('./request')

/** Bind `<input data-field="phone" bindinput="onInput">` to this.data.phone. */
const formMethods = {
  onInput(e) {
    const field = e.currentTarget.dataset.field
    this.setData({ [field]: e.detail.value })
  },
  onSwitch(e) {
    const field = e.currentTarget.dataset.field
    this.setData({ [field]: Boolean(e.detail.value) })
  },
}

/** Send someone who is not signed in to the log-in page; true when signed in. */
function requireLogin() {
  if (store.isLoggedIn()) return true
  wx.reLaunch({ url: '/pages/login/index' })
  return false
}

function go(url) {
  wx.navigateTo({ url })
}

/** Where a freshly signed-in person starts: a forced password change first; then home (a staff account's
 * workbench by role, a physician's cards). */
function homeFor(user) {
  if (user && user.must_change_password) return FORCED_PASSWORD_PAGE
  return '/pages/home/index'
}

/**
 * Ask for subscribe-message consent right before a submit that will produce a result (WeChat shows the prompt
 * only from a tap, so call this first in the tap handler, after the synchronous checks). Never blocks the
 * submit; a failure to record the consent is said, not hidden.
 */
async function askSubscription(purposes) {
  const res = await inbox.requestSubscription(purposes)
  if (res.error) toast(`订阅消息未能开启：${messageOf(res.error)}`)
  return res
}

module.exports = { formMethods, requireLogin, go, homeFor, askSubscription }
