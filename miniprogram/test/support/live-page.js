/**
 * Pages against a real server: a page loaded in miniprogram-simulate (as test/support/load-page.js does) whose wx is
 * the REAL bridge (test/support/wx-bridge.js: wx.request / uploadFile / downloadFile over HTTP to a server started by
 * test/support/server.js), not the fake router. Navigation is recorded (navigateTo / redirectTo / switchTab /
 * reLaunch → the next page to open); the camera, the media and message-file pickers hand over real files the test
 * chose; modals are recorded and confirmed (or not) as the test says.
 *
 * The helpers act as a person does: `type` sends the event TDesign (or the native input) would send to the handler
 * the WXML binds; `tap` finds an element by its text and fires the tap its WXML binds (`bindtap` / `bind:tap`), so a
 * button that is not on screen (not rendered, hidden, in a closed popup) or disabled cannot be tapped; `idle` waits
 * until no request is in flight and the page has settled; `text` reads what the page shows.
 *
 *   const live = createLive({ server })
 *   const login = await live.open('/pages/login/index')
 *   await live.type(login, '#pw-login', 'admin')
 *   await live.tap(login, '登录')
 *   expect(live.next()).toBe('/pages/home/index')
 */
const fs = require('fs')
const path = require('path')
const { createFakeWx, settle } = require('./fake-wx')
const { createWxBridge } = require('./wx-bridge')
const { load, ROOT } = require('./load-page')

const exparser = require('miniprogram-exparser')

const NAVIGATION = ['navigateTo', 'redirectTo', 'switchTab', 'reLaunch']

function normalise(s) {
  return String(s || '')
    .replace(/\s+/g, ' ')
    .trim()
}

function parseUrl(url) {
  const [p, q = ''] = url.split('?')
  const query = Object.fromEntries(new URLSearchParams(q))
  return { rel: p.replace(/^\//, ''), query }
}

function createLive({ server }) {
  const fake = createFakeWx() // the base library's non-network answers (screen, animation, …) TDesign asks for
  const bridge = createWxBridge({ emulatorBase: server.emulatorBase })
  const nav = [] // [{how, url}]
  const modals = [] // [{title, content, confirmText}]
  const toasts = []
  const clipboard = []
  const opened = [] // openDocument file paths
  let inflight = 0
  let modalAnswer = () => ({ confirm: true })
  let camera = null // file path the camera "takes"
  let media = null // file path chooseMedia hands over
  let messageFile = null // {path, name} chooseMessageFile hands over
  let current = null
  const loaded = {} // page path → miniprogram-simulate id

  // Every network call counts while in flight, so `idle` knows when the page is done.
  const counted =
    (fn) =>
    (opts = {}) => {
      inflight += 1
      let done = false
      const finish = () => {
        if (!done) {
          done = true
          inflight -= 1
        }
      }
      const wrap = (cb) => (res) => {
        finish()
        if (cb) cb(res)
      }
      const task = fn({ ...opts, success: wrap(opts.success), fail: wrap(opts.fail) })
      return task || { onProgressUpdate: () => {}, abort: () => {} }
    }

  const later = (fn) => setTimeout(fn, 0)
  const wx = Object.assign(fake.wx, {
    getStorageSync: bridge.wx.getStorageSync,
    setStorageSync: bridge.wx.setStorageSync,
    removeStorageSync: bridge.wx.removeStorageSync,
    clearStorageSync: bridge.wx.clearStorageSync,
    getAccountInfoSync: bridge.wx.getAccountInfoSync,
    request: counted(bridge.wx.request),
    uploadFile: counted(bridge.wx.uploadFile),
    downloadFile: counted(bridge.wx.downloadFile),
    login: counted(bridge.wx.login),
    requestSubscribeMessage: bridge.wx.requestSubscribeMessage,
    getFileSystemManager: () => ({
      readFileSync: (p, enc) => fs.readFileSync(p, enc),
      writeFileSync: (p, data, enc) => fs.writeFileSync(p, data, enc),
    }),
    getImageInfo: ({ src, success, fail }) =>
      later(() => {
        const head = fs.existsSync(src) ? fs.readFileSync(src).subarray(0, 4) : Buffer.alloc(0)
        const image = (head[0] === 0xff && head[1] === 0xd8) || head.toString('latin1', 1, 4) === 'PNG'
        if (image) success({ path: src, width: 640, height: 480 })
        else if (fail) fail({ errMsg: 'getImageInfo:fail not an image' })
      }),
    createCameraContext: () => ({
      takePhoto: ({ success, fail }) =>
        later(() => (camera ? success({ tempImagePath: camera }) : fail && fail({ errMsg: 'takePhoto:fail' }))),
      onCameraFrame: () => ({ start: () => {}, stop: () => {} }),
    }),
    chooseMedia: ({ success, fail }) =>
      later(() =>
        media
          ? success({ tempFiles: [{ tempFilePath: media, size: fs.statSync(media).size, fileType: 'image' }] })
          : fail && fail({ errMsg: 'chooseMedia:fail cancel' }),
      ),
    chooseImage: ({ success, fail }) =>
      later(() => (media ? success({ tempFilePaths: [media] }) : fail && fail({ errMsg: 'chooseImage:fail cancel' }))),
    chooseMessageFile: ({ success, fail }) =>
      later(() =>
        messageFile
          ? success({
              tempFiles: [
                {
                  path: messageFile.path,
                  name: messageFile.name || path.basename(messageFile.path),
                  size: fs.statSync(messageFile.path).size,
                  type: 'file',
                },
              ],
            })
          : fail && fail({ errMsg: 'chooseMessageFile:fail cancel' }),
      ),
    showModal: (o) => {
      modals.push({ title: o.title, content: o.content, confirmText: o.confirmText })
      const answer = modalAnswer(o)
      later(() => o.success && o.success({ confirm: false, cancel: !answer.confirm, ...answer }))
    },
    showToast: (o) => toasts.push(o.title),
    setClipboardData: ({ data, success }) => {
      clipboard.push(data)
      if (success) later(() => success({}))
    },
    openDocument: ({ filePath, success }) => {
      opened.push(filePath)
      if (success) later(() => success({}))
    },
    saveFile: ({ tempFilePath, success }) => success && later(() => success({ savedFilePath: tempFilePath })),
    navigateBack: () => nav.push({ how: 'navigateBack', url: null }),
  })
  NAVIGATION.forEach((how) => {
    wx[how] = (o) => {
      nav.push({ how, url: o.url })
      if (o.success) later(() => o.success({}))
    }
  })

  function install() {
    global.wx = wx
    global.getApp = () => ({ globalData: {} })
    global.getCurrentPages = () => (current ? [current.page] : [])
    require('../../config/env').setBaseUrl(server.baseUrl)
  }
  install()

  /** Wait until no request is in flight and nothing changes for a moment (timeoutMs at most). */
  async function idle({ timeoutMs = 30000, quietMs = 60 } = {}) {
    const until = Date.now() + timeoutMs
    let quietSince = null
    for (;;) {
      await settle(20)
      await new Promise((r) => setTimeout(r, 10))
      if (inflight === 0) {
        if (quietSince === null) quietSince = Date.now()
        if (Date.now() - quietSince >= quietMs) return
      } else quietSince = null
      if (Date.now() > until) throw new Error(`the page is still busy after ${timeoutMs} ms (${inflight} in flight)`)
    }
  }

  /** Close the current page (its timers stopped) and open this one as the framework would: onLoad(query), onShow. */
  async function open(url, { query: extra = {} } = {}) {
    close()
    install()
    const { rel, query } = parseUrl(url)
    if (!fs.existsSync(path.join(ROOT, `${rel}.js`))) throw new Error(`page ${rel} does not exist`)
    const simulate = require('miniprogram-simulate')
    // A page's module runs once (Component() registers it then): later opens render the same registration.
    if (!loaded[rel]) loaded[rel] = load(rel)
    const comp = simulate.render(loaded[rel])
    comp.attach(document.createElement('parent-wrapper'))
    const page = comp.instance
    current = { rel, comp, page, url }
    if (page.onLoad) await page.onLoad({ ...query, ...extra })
    if (page.onShow) await page.onShow()
    await idle()
    return current
  }

  function close() {
    if (!current) return
    const { page, comp } = current
    try {
      // onUnload only: a page's methods may use the name onHide for a handler of their own
      if (page.onUnload) page.onUnload()
    } catch (e) {
      // a page with nothing to stop
    }
    comp.detach()
    current = null
  }

  // ---- the page's own tree (its WXML), not the components' insides

  function ownElements(p) {
    const out = []
    const walk = (node, ancestors) => {
      ;(node.childNodes || []).forEach((child) => {
        if (child instanceof exparser.Element) {
          out.push({ node: child, ancestors })
          walk(child, ancestors.concat(child))
        }
      })
    }
    walk(p.comp._exparserNode.shadowRoot, [])
    return out
  }

  const attrsOf = (node) => Object.fromEntries(((node._vt && node._vt.attrs) || []).map((a) => [a.name, a.value]))
  const idOf = (node) => node.id || attrsOf(node).id || (node.$$ && node.$$.id) || ''
  const eventsOf = (node) => (node._vt && node._vt.event) || {}
  const handlerOf = (node, names) => {
    const events = eventsOf(node)
    const key = Object.keys(events).find((k) => names.includes(events[k].name) && events[k].handler)
    return key ? events[key] : null
  }
  // What an element reads: its text, or for a component with a virtual host (t-cell…) the words it is given
  const textOf = (node) => {
    const own = normalise(node.$$ ? node.$$.textContent : '')
    if (own) return own
    const a = attrsOf(node)
    return normalise([a.title, a.label, a.note, a.content].filter((v) => typeof v === 'string').join(' '))
  }

  /** On screen: rendered into the page's DOM, not hidden, not inside a closed popup or dialog. */
  function onScreen(p, { node, ancestors }) {
    const inDom = (n) => n.$$ && p.comp.dom.contains(n.$$)
    // A component with a virtual host (TDesign's t-input…) has no DOM node of its own: its nearest ancestor's counts.
    if (!inDom(node) && !(node instanceof exparser.Component && ancestors.some(inDom))) return false
    for (const el of [node, ...ancestors]) {
      const a = attrsOf(el)
      if (a.hidden === true || a.hidden === 'true') return false
      const tag = el._vt && el._vt.tagName
      if (/^t-(popup|dialog|drawer|action-sheet|picker|date-time-picker)$/.test(String(tag)) && !a.visible) return false
    }
    const first = [node, ...ancestors.slice().reverse()].find(inDom)
    for (let d = first.$$; d && d !== p.comp.dom; d = d.parentNode) {
      if (d.hasAttribute && d.hasAttribute('hidden')) return false
      if (d.style && d.style.display === 'none') return false
    }
    return true
  }

  function describe(p) {
    return ownElements(p)
      .filter((e) => handlerOf(e.node, ['tap']) && onScreen(p, e))
      .map((e) => `"${textOf(e.node).slice(0, 30)}"`)
      .join(', ')
  }

  /** The element a person would tap: by '#id', or by its text (exact first, then the shortest containing it). */
  function findTappable(p, label, { nth = 0, events = ['tap'] } = {}) {
    const all = ownElements(p).filter((e) => onScreen(p, e))
    let hits
    const byAttr = /^\[([\w-]+)=(.+)\]$/.exec(label)
    if (byAttr) hits = all.filter((e) => String(attrsOf(e.node)[byAttr[1]]) === byAttr[2])
    else if (label.startsWith('#')) hits = all.filter((e) => idOf(e.node) === label.slice(1))
    else {
      const want = normalise(label)
      const texts = all.map((e) => ({ ...e, text: textOf(e.node) }))
      hits = texts.filter((e) => e.text === want)
      if (!hits.length) hits = texts.filter((e) => e.text.includes(want)).sort((a, b) => a.text.length - b.text.length)
    }
    // the element itself or its nearest ancestor that binds a tap
    const bound = []
    hits.forEach((e) => {
      const chain = [e.node, ...e.ancestors.slice().reverse()]
      const target = chain.find((n) => handlerOf(n, events))
      if (target && !bound.includes(target)) bound.push(target)
    })
    if (!bound[nth]) {
      throw new Error(`nothing binding ${events} reads "${label}" on ${p.rel}; tappable: ${describe(p)}\n${text(p)}`)
    }
    return bound[nth]
  }

  function fire(node, name, detail = {}) {
    exparser.Event.dispatchEvent(node, exparser.Event.create(name, detail, { bubbles: true, composed: true }))
  }

  /** Tap what reads `label` (or '#id'); refused when disabled or loading. Waits until the page settles. */
  async function tap(p, label, { nth = 0, wait = true } = {}) {
    const node = findTappable(p, label, { nth })
    const a = attrsOf(node)
    if (a.disabled === true || a.loading === true) throw new Error(`"${label}" on ${p.rel} is disabled`)
    fire(node, 'tap', {})
    if (wait) await idle()
  }

  /** An input by '#id', or by the label / placeholder it shows. */
  function findField(p, label) {
    const all = ownElements(p).filter((e) => onScreen(p, e))
    const want = label.startsWith('#') ? null : normalise(label)
    const byAttr = /^\[([\w-]+)=(.+)\]$/.exec(label)
    const hit = all.find(({ node }) => {
      if (byAttr) return String(attrsOf(node)[byAttr[1]]) === byAttr[2]
      if (!want) return idOf(node) === label.slice(1)
      const a = attrsOf(node)
      return [a.label, a.placeholder, a.title].some((v) => typeof v === 'string' && normalise(v) === want)
    })
    if (!hit) throw new Error(`no field "${label}" on ${p.rel}`)
    return hit.node
  }

  /**
   * Type into a field: the event its component sends (t-input / t-textarea `change` {value}; a native input
   * `input` {value, cursor}; t-search `change` {value}).
   */
  async function type(p, label, value) {
    const node = findField(p, label)
    const h = handlerOf(node, ['change', 'input', 'blur'])
    if (!h) throw new Error(`field "${label}" on ${p.rel} binds no change/input handler`)
    const detail = h.name === 'input' ? { value, cursor: String(value).length } : { value }
    fire(node, h.name, detail)
    await idle()
  }

  /** Send another event a component emits (a picker's change, a checkbox's change…) to what the WXML binds. */
  async function emit(p, label, name, detail) {
    const node = findTappable(p, label, { events: [name] })
    if (!handlerOf(node, [name])) throw new Error(`"${label}" on ${p.rel} binds no ${name} handler`)
    fire(node, name, detail)
    await idle()
  }

  /** What the page shows: its text, and the words given to components whose insides have no DOM here (t-cell). */
  function text(p) {
    const given = ownElements(p)
      .filter((e) => e.node instanceof exparser.Component && onScreen(p, e))
      .filter((e) => !normalise(e.node.$$ ? e.node.$$.textContent : ''))
      .map((e) => textOf(e.node))
      .filter(Boolean)
    return normalise([p.comp.dom.textContent, ...given].join(' '))
  }

  return {
    wx,
    bridge,
    nav,
    modals,
    toasts,
    clipboard,
    opened,
    open,
    close,
    idle,
    tap,
    type,
    emit,
    text,
    /** What the page's own tree holds (tag, id, bound events, on screen): for a failing locator's message. */
    elements: (p) =>
      ownElements(p).map((e) => ({
        tag: e.node._vt && e.node._vt.tagName,
        id: idOf(e.node),
        events: Object.values(eventsOf(e.node)).map((v) => `${v.name}:${v.handler}`),
        attrs: attrsOf(e.node),
        shown: onScreen(p, e),
        text: textOf(e.node).slice(0, 40),
      })),
    /** The URL the last navigation went to (null when none since `forget`). */
    next: () => {
      const last = nav.filter((n) => n.url).pop()
      return last ? last.url : null
    },
    forget: () => {
      nav.length = 0
      modals.length = 0
      toasts.length = 0
    },
    /** Open the page the last navigation asked for. */
    follow: async () => {
      const last = nav.filter((n) => n.url).pop()
      if (!last) throw new Error('no navigation to follow')
      return open(last.url)
    },
    answerModals: (fn) => {
      modalAnswer = fn
    },
    useCamera: (file) => {
      camera = file
    },
    useMedia: (file) => {
      media = file
    },
    useMessageFile: (file) => {
      messageFile = file
    },
    current: () => current,
    signOut: () => {
      require('../../utils/auth-store').clear()
    },
  }
}

module.exports = { createLive, parseUrl }
