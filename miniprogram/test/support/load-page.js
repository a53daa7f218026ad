/**
 * Load a page (written with Component()) or a component into miniprogram-simulate, with a fake wx installed
 * first; returns {comp, page, fake}. Pages get their onLoad(query) called, as the framework would.
 */
const crypto = require('crypto')
const fs = require('fs')
const os = require('os')
const path = require('path')
const { createFakeWx, settle } = require('./fake-wx')

const ROOT = path.resolve(__dirname, '..', '..')

function installFakeWx() {
  const fake = createFakeWx()
  global.wx = fake.wx
  // TDesign's components read the app (getApp) and the page stack as the framework offers them.
  global.getApp = () => ({ globalData: {} })
  global.getCurrentPages = () => []
  return fake
}

const APP_COMPONENTS = JSON.parse(fs.readFileSync(path.join(ROOT, 'app.json'), 'utf8')).usingComponents || {}

/**
 * Resolve usingComponents as the framework does: an npm path ("tdesign-miniprogram/button/button") is looked up
 * in miniprogram_npm/ (built by scripts/build-npm.js), and the app's global components (app.json) are available
 * to every page and component of the app. miniprogram-simulate only knows relative and absolute paths.
 */
function resolveNpmComponents(simulateUtils) {
  if (simulateUtils.readJson.npmAware) return
  const readJson = simulateUtils.readJson
  const patched = (file) => {
    const json = readJson(file)
    if (!json || file.includes(`${path.sep}miniprogram_npm${path.sep}`)) return json
    // The app's components a template uses (lazyCodeLoading "requiredComponents" injects only those).
    const wxml = file.replace(/\.json$/, '.wxml')
    const tpl = fs.existsSync(wxml) ? fs.readFileSync(wxml, 'utf8') : ''
    const used = Object.keys(APP_COMPONENTS).filter((tag) => tpl.includes(`<${tag}`))
    const using = { ...Object.fromEntries(used.map((t) => [t, APP_COMPONENTS[t]])), ...(json.usingComponents || {}) }
    Object.keys(using).forEach((tag) => {
      const value = using[tag]
      if (value.startsWith('/') || value.startsWith('.')) return
      const built = path.join(ROOT, 'miniprogram_npm', value)
      if (!fs.existsSync(`${built}.json`)) throw new Error(`${file}: ${value} is not in miniprogram_npm (npm ci?)`)
      using[tag] = `/miniprogram_npm/${value}`
    })
    return { ...json, usingComponents: using }
  }
  patched.npmAware = true
  simulateUtils.readJson = patched
}

/**
 * The official WXML compiler (TDesign's templates use ES6 the simulate compiler cannot parse) compiles every
 * template of the project at once, about 3 s: its output is kept on disk, keyed by the templates' content.
 */
function cacheCompiler(compiler) {
  if (compiler.wxmlToJs.cached) return
  const original = compiler.wxmlToJs
  const memo = (rootPath, options = {}) => {
    const files = fs
      .readdirSync(rootPath, { recursive: true })
      .filter((f) => /\.(wxml|wxs)$/.test(f) && !/^(node_modules|coverage|render)\//.test(f))
      .sort()
    const h = crypto.createHash('sha1').update(JSON.stringify(options))
    files.forEach((f) => h.update(f).update(fs.readFileSync(path.join(rootPath, f))))
    const key = h.digest('hex')
    if (global.__wccMemo && global.__wccMemo.key === key) return global.__wccMemo.out
    const file = path.join(os.tmpdir(), `yishi-mp-wcc-${key}.js`)
    let out
    if (fs.existsSync(file)) out = fs.readFileSync(file, 'utf8')
    else {
      const only = (ext) => files.filter((f) => f.endsWith(ext))
      // The whole project's output passes 1 MB (spawnSync's default buffer) once every workbench page is in.
      out = original(rootPath, {
        ...options,
        maxBuffer: 64 * 1024 * 1024,
        wxmlList: only('.wxml'),
        wxsList: only('.wxs'),
      })
      fs.writeFileSync(file, out)
    }
    global.__wccMemo = { key, out }
    return out
  }
  memo.cached = true
  compiler.wxmlToJs = memo
}

/** Register a page or component (path from the project root) with miniprogram-simulate; returns its id. */
function load(rel) {
  const simulate = require('miniprogram-simulate')
  resolveNpmComponents(require('miniprogram-simulate/src/utils'))
  cacheCompiler(require('miniprogram-compiler'))
  return simulate.load(path.join(ROOT, rel), { rootPath: ROOT, compiler: 'official' })
}

async function loadPage(rel, { query = {}, fake = null, show = true } = {}) {
  const simulate = require('miniprogram-simulate')
  const f = fake || installFakeWx()
  global.wx = Object.assign(global.wx || {}, f.wx)
  const id = load(rel)
  const comp = simulate.render(id)
  comp.attach(document.createElement('parent-wrapper'))
  const page = comp.instance
  if (page.onLoad) await page.onLoad(query)
  if (show && page.onShow) await page.onShow()
  await settle()
  return { comp, page, fake: f, simulate }
}

function text(comp) {
  return comp.dom.textContent.replace(/\s+/g, ' ')
}

module.exports = { load, loadPage, installFakeWx, settle, text, ROOT }
