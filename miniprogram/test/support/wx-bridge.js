/**
 * A `wx` for Node: the mini-program's own modules run unchanged, their wx.request / wx.uploadFile /
 * wx.downloadFile go over real HTTP, wx.login asks the WeChat emulator for a code (as WeChat would hand one
 * to the phone), storage is an in-memory map. UI calls are recorded for assertions.
 */
const fs = require('fs')
const os = require('os')
const path = require('path')

function createWxBridge({ emulatorBase }) {
  const seenSms = {} // phone -> how many of its messages smsCode has handed out
  const storage = new Map()
  const ui = []
  let openid = null
  let subscribeAnswer = 'accept'
  let clientIp = null
  // The server sits behind a proxy (TRUSTED_PROXIES) and limits SMS per client address: each simulated phone
  // may have its own address.
  const withIp = (header) => (clientIp ? { ...header, 'X-Forwarded-For': clientIp } : header)

  const wx = {
    // ---- storage
    getStorageSync: (k) => (storage.has(k) ? JSON.parse(storage.get(k)) : ''),
    setStorageSync: (k, v) => storage.set(k, JSON.stringify(v)),
    removeStorageSync: (k) => storage.delete(k),
    clearStorageSync: () => storage.clear(),
    getAccountInfoSync: () => ({ miniProgram: { envVersion: 'develop', appId: 'wx00000000d0e1e7a0' } }),

    // ---- network
    request({ url, method = 'GET', data, header = {}, success, fail, complete }) {
      const init = { method, headers: withIp({ ...header }) }
      let target = url
      if (data !== undefined && data !== null) {
        if (method === 'GET') {
          const q = new URLSearchParams(data).toString()
          if (q) target += (url.includes('?') ? '&' : '?') + q
        } else {
          init.body = typeof data === 'string' ? data : JSON.stringify(data)
        }
      }
      fetch(target, init)
        .then(async (res) => {
          const text = await res.text()
          let body = text
          try {
            body = text ? JSON.parse(text) : ''
          } catch (e) {
            body = text
          }
          const out = { statusCode: res.status, data: body, header: Object.fromEntries(res.headers) }
          if (success) success(out)
          if (complete) complete(out)
        })
        .catch((err) => {
          const out = { errMsg: `request:fail ${err.message}` }
          if (fail) fail(out)
          if (complete) complete(out)
        })
    },

    uploadFile({ url, filePath, name, formData = {}, header = {}, success, fail }) {
      const form = new FormData()
      Object.keys(formData).forEach((k) => form.append(k, String(formData[k])))
      form.append(name, new Blob([fs.readFileSync(filePath)]), path.basename(filePath))
      fetch(url, { method: 'POST', headers: withIp(header), body: form })
        .then(async (res) => success({ statusCode: res.status, data: await res.text() }))
        .catch((err) => fail({ errMsg: `uploadFile:fail ${err.message}` }))
    },

    downloadFile({ url, header = {}, success, fail }) {
      fetch(url, { headers: withIp(header) })
        .then(async (res) => {
          const file = path.join(os.tmpdir(), `wx-dl-${Date.now()}-${Math.random().toString(36).slice(2)}`)
          fs.writeFileSync(file, Buffer.from(await res.arrayBuffer()))
          success({ statusCode: res.status, tempFilePath: file })
        })
        .catch((err) => fail({ errMsg: `downloadFile:fail ${err.message}` }))
    },

    getFileSystemManager: () => ({ readFileSync: (p, enc) => fs.readFileSync(p, enc) }),

    // ---- WeChat identity: what the WeChat client would do on the phone
    login({ success, fail }) {
      fetch(`${emulatorBase}/_emulator/wechat/login-codes`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(openid ? { openid } : {}),
      })
        .then((r) => r.json())
        .then((body) => success({ code: body.code, errMsg: 'login:ok' }))
        .catch((err) => fail({ errMsg: `login:fail ${err.message}` }))
    },

    requestSubscribeMessage({ tmplIds, success }) {
      const res = { errMsg: 'requestSubscribeMessage:ok' }
      tmplIds.forEach((id) => {
        res[id] = subscribeAnswer
      })
      success(res)
    },

    // ---- UI: recorded
    showToast: (o) => ui.push(['toast', o.title]),
    showLoading: (o) => ui.push(['loading', o && o.title]),
    hideLoading: () => ui.push(['hideLoading']),
    showModal: (o) => {
      ui.push(['modal', o.title, o.content])
      if (o.success) o.success({ confirm: true })
    },
    reLaunch: (o) => ui.push(['reLaunch', o.url]),
    navigateTo: (o) => ui.push(['navigateTo', o.url]),
    redirectTo: (o) => ui.push(['redirectTo', o.url]),
    navigateBack: () => ui.push(['navigateBack']),
    openDocument: (o) => ui.push(['openDocument', o.filePath]),
  }

  return {
    wx,
    ui,
    storage,
    /** The WeChat user the next wx.login stands for (null: a fresh one). */
    useOpenid(id) {
      openid = id
    },
    /** The address the next requests come from (null: the loopback itself). */
    useClientIp(ip) {
      clientIp = ip
    },
    answerSubscriptions(answer) {
      subscribeAnswer = answer
    },
    /** What getPhoneNumber would give the page for this phone. */
    async phoneCode(phone) {
      const r = await fetch(`${emulatorBase}/_emulator/wechat/phone-codes`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ phone }),
      })
      return (await r.json()).code
    },
    /** Every SMS the emulator delivered to this phone, newest first: [{template, params, …}]. */
    async smsMessages(phone) {
      const r = await fetch(`${emulatorBase}/_emulator/sms?phone=${phone}`)
      return r.json()
    },
    /**
     * The newest SMS code the emulator delivered to this phone. The server sends codes after it has answered (the
     * same way for known and unknown phones), so this waits up to 5 s for a message it has not handed out yet.
     */
    async smsCode(phone) {
      const deadline = Date.now() + 5000
      let list = []
      for (;;) {
        const r = await fetch(`${emulatorBase}/_emulator/sms?phone=${phone}`)
        list = await r.json()
        if (list.length > (seenSms[phone] || 0) || Date.now() > deadline) break
        await new Promise((resolve) => setTimeout(resolve, 100))
      }
      if (!list.length) throw new Error(`no SMS to ${phone}`)
      seenSms[phone] = list.length
      return list[0].params.code
    },
  }
}

module.exports = { createWxBridge }
