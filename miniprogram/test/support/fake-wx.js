/**
 * A `wx` for unit and page tests: storage in memory, UI calls recorded, and a small router standing in for
 * the server behind wx.request / wx.uploadFile (answers in the server's real shapes, including its error body).
 */
const env = require('../../config/env')
const { serverHas } = require('./openapi')

const WINDOW = {
  windowWidth: 375,
  windowHeight: 812,
  screenWidth: 375,
  screenHeight: 812,
  pixelRatio: 2,
  statusBarHeight: 44,
}
const DEVICE = { platform: 'ios', system: 'iOS 17.0', model: 'iPhone 15', brand: 'Apple' }
const BASE = { SDKVersion: '3.3.4', language: 'zh_CN', version: '8.0.50', theme: 'light' }

function createFakeWx() {
  const storage = new Map()
  const calls = []
  const routes = []
  const requests = []
  let offline = false

  const answer = (method, url, data, header) => {
    const path = url.replace(env.baseUrl() + env.API_PREFIX, '').split('?')[0]
    const query = Object.fromEntries(new URLSearchParams(url.split('?')[1] || ''))
    const req = { method, path, query, data, header }
    requests.push(req)
    const route = routes.find(
      (r) => r.method === method && (r.path instanceof RegExp ? r.path.test(path) : r.path === path),
    )
    if (!route) return { statusCode: 404, data: { error: { code: 'NOT_FOUND', message: '请求的内容不存在' } } }
    const out = route.handler(req)
    if (out && out.statusCode) return out
    return { statusCode: 200, data: out }
  }

  const later = (fn) => Promise.resolve().then(fn)

  const wx = {
    getStorageSync: (k) => (storage.has(k) ? JSON.parse(storage.get(k)) : ''),
    setStorageSync: (k, v) => storage.set(k, JSON.stringify(v)),
    removeStorageSync: (k) => storage.delete(k),
    getAccountInfoSync: () => ({ miniProgram: { envVersion: 'develop' } }),
    // What TDesign's components ask of the base library (an iPhone-sized screen, base library 3.3.4).
    getSystemInfoSync: () => ({ ...WINDOW, ...DEVICE, ...BASE }),
    getWindowInfo: () => ({ ...WINDOW }),
    getDeviceInfo: () => ({ ...DEVICE }),
    getAppBaseInfo: () => ({ ...BASE }),
    getMenuButtonBoundingClientRect: () => ({ top: 48, bottom: 80, left: 281, right: 368, width: 87, height: 32 }),
    onMenuButtonBoundingClientRectWeightChange: () => {},
    offMenuButtonBoundingClientRectWeightChange: () => {},
    getLaunchOptionsSync: () => ({ path: 'pages/home/index', query: {} }),
    nextTick: (fn) => later(fn),
    createAnimation: () => {
      const a = { export: () => ({ actions: [] }), step: () => a }
      ;['opacity', 'translateY', 'translateX', 'scale', 'rotate', 'height', 'width'].forEach((k) => (a[k] = () => a))
      return a
    },
    pageScrollTo: jest.fn(),
    vibrateShort: jest.fn(),
    enableAlertBeforeUnload: jest.fn((o) => calls.push(['enableAlertBeforeUnload', o.message])),
    disableAlertBeforeUnload: jest.fn(() => calls.push(['disableAlertBeforeUnload'])),
    chooseMessageFile: jest.fn(({ success }) =>
      later(() =>
        success({ tempFiles: [{ path: '/tmp/training-proof.pdf', name: '规培证明.pdf', size: 120000, type: 'file' }] }),
      ),
    ),
    request({ url, method = 'GET', data, header, success, fail }) {
      later(() => {
        if (offline) return fail({ errMsg: 'request:fail net::ERR_INTERNET_DISCONNECTED' })
        const res = answer(method, url, data, header)
        return success(res)
      })
    },
    uploadFile({ url, filePath, name, formData, header, success, fail }) {
      const progress = []
      later(() => {
        if (offline) return fail({ errMsg: 'uploadFile:fail' })
        progress.forEach((fn) => [40, 100].forEach((p) => fn({ progress: p })))
        const res = answer('POST', url, { filePath, name, formData }, header)
        success({ statusCode: res.statusCode, data: JSON.stringify(res.data) })
      })
      return { onProgressUpdate: (fn) => progress.push(fn), abort: () => {} }
    },
    downloadFile({ url, header, success }) {
      later(() => {
        const res = answer('GET', url, null, header)
        success({ statusCode: res.statusCode, tempFilePath: res.tempFilePath || '/tmp/fake-download.pdf' })
      })
    },
    getFileSystemManager: () => ({ readFileSync: () => '' }),
    login: jest.fn(({ success }) => later(() => success({ code: 'wx-code-1' }))),
    requestSubscribeMessage: jest.fn(({ tmplIds, success }) => {
      const res = {}
      tmplIds.forEach((id) => (res[id] = 'accept'))
      later(() => success(res))
    }),
    createCameraContext: jest.fn(() => ({
      takePhoto: ({ success }) => later(() => success({ tempImagePath: '/tmp/face.jpg' })),
    })),
    chooseMedia: jest.fn(({ success }) =>
      later(() => success({ tempFiles: [{ tempFilePath: '/tmp/photo.jpg', size: 50000 }] })),
    ),
    openDocument: jest.fn(({ success }) => success && later(() => success({}))),
    previewImage: jest.fn((o) => calls.push(['previewImage', o.urls])),
    // A downloaded file is an image when its URL said so (the fake has no files to look into).
    getImageInfo: jest.fn(({ src, success, fail }) =>
      later(() => (/\.(jpe?g|png)$/i.test(src) ? success({ path: src }) : fail({ errMsg: 'getImageInfo:fail' }))),
    ),
    showToast: jest.fn((o) => calls.push(['toast', o.title])),
    setClipboardData: jest.fn((o) => {
      calls.push(['clipboard', o.data])
      if (o.success) later(() => o.success({}))
    }),
    hideHomeButton: jest.fn(() => calls.push(['hideHomeButton'])),
    showActionSheet: jest.fn(({ itemList, success }) => {
      calls.push(['actionSheet', itemList])
      later(() => success({ tapIndex: 2 }))
    }),
    showLoading: jest.fn(),
    hideLoading: jest.fn(),
    showModal: jest.fn((o) => {
      calls.push(['modal', o.title, o.content])
      if (o.success) later(() => o.success({ confirm: true, content: o.editable ? 'reason' : undefined }))
    }),
    reLaunch: jest.fn((o) => calls.push(['reLaunch', o.url])),
    navigateTo: jest.fn((o) => calls.push(['navigateTo', o.url])),
    redirectTo: jest.fn((o) => calls.push(['redirectTo', o.url])),
    navigateBack: jest.fn(() => calls.push(['navigateBack'])),
    switchTab: jest.fn((o) => calls.push(['switchTab', o.url])),
    stopPullDownRefresh: jest.fn(),
    setNavigationBarTitle: jest.fn(),
    setTabBarBadge: jest.fn(),
    removeTabBarBadge: jest.fn(),
  }

  return {
    wx,
    calls,
    requests,
    storage,
    route(method, path, handler) {
      // A fake of a route the server does not have would test nothing: refuse it (test/support/openapi.js).
      if (typeof path === 'string' && !serverHas(method, path)) {
        throw new Error(`fake route ${method} ${path} is not in app_api_docs/openapi.json`)
      }
      routes.unshift({ method, path, handler: typeof handler === 'function' ? handler : () => handler })
    },
    setOffline(value) {
      offline = value
    },
    error(status, code, message, extra = {}) {
      return { statusCode: status, data: { error: { code, message, ...extra } } }
    },
    signIn(user = { id: 1, role: 'physician', phone: '138****0001' }) {
      storage.set(
        'auth',
        JSON.stringify({ accessToken: 'at-1', refreshToken: 'rt-1', expiresAt: Date.now() + 9e5, user }),
      )
    },
  }
}

/** Resolve pending promise chains (fake network answers are a few microtasks away). */
async function settle(times = 50) {
  for (let i = 0; i < times; i += 1) await Promise.resolve()
}

module.exports = { createFakeWx, settle }
