/**
 * How a page runs a network action: a loading flag in its data (buttons show `loading`, lists a spinner),
 * the server's message shown on failure, never a silent failure.
 *
 *   const done = await run(this, () => reviews.approve(id), { key: 'approving', success: '已通过' })
 */
const { messageOf } = require('./errors')

function toast(title, icon = 'none') {
  try {
    wx.showToast({ title, icon, duration: 2500 })
  } catch (e) {
    // not in a page (tests without a wx stub): nothing to show
  }
}

async function run(page, fn, { key = 'loading', success = null, errorKey = 'error', quiet = false } = {}) {
  // `offline` (default error key only) lets the page show the offline state with 重试 instead of a message.
  const offlineKey = errorKey === 'error' ? { offline: false } : {}
  page.setData({ [key]: true, [errorKey]: '', ...offlineKey })
  try {
    const result = await fn()
    if (success) toast(success, 'success')
    return { ok: true, result }
  } catch (err) {
    const message = messageOf(err)
    page.setData({ [errorKey]: message, ...(errorKey === 'error' ? { offline: Boolean(err && err.offline) } : {}) })
    if (!quiet) toast(message)
    return { ok: false, error: err, message }
  } finally {
    page.setData({ [key]: false })
  }
}

/** Ask before a destructive action; resolves true only on the confirm button. */
function confirm({ title, content, confirmText = '确定', danger = false }) {
  return new Promise((resolve) => {
    wx.showModal({
      title,
      content,
      confirmText,
      cancelText: '取消',
      confirmColor: danger ? '#d54941' : '#0052d9',
      success: (r) => resolve(Boolean(r.confirm)),
      fail: () => resolve(false),
    })
  })
}

/** Asia/Shanghai wall-clock text of an ISO time, independent of the phone's zone. */
function formatTime(iso) {
  if (!iso) return ''
  const t = new Date(iso)
  if (Number.isNaN(t.getTime())) return ''
  const sh = new Date(t.getTime() + 8 * 3600 * 1000)
  const p = (n) => String(n).padStart(2, '0')
  return `${sh.getUTCFullYear()}-${p(sh.getUTCMonth() + 1)}-${p(sh.getUTCDate())} ${p(sh.getUTCHours())}:${p(sh.getUTCMinutes())}`
}

/** One tap at a time: a second tap while the first is asking or sending does nothing. */
async function exclusive(page, fn) {
  if (page.busy) return undefined
  page.busy = true
  try {
    return await fn()
  } finally {
    page.busy = false
  }
}

module.exports = { run, toast, confirm, formatTime, exclusive }
