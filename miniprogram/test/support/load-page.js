/**
 * Load a page (written with Component()) or a component into miniprogram-simulate, with a fake wx installed
 * first; returns {comp, page, fake}. Pages get their onLoad(query) called, as the framework would.
 */
const path = require('path')
const { createFakeWx, settle } = require('./fake-wx')

const ROOT = path.resolve(__dirname, '..', '..')

function installFakeWx() {
  const fake = createFakeWx()
  global.wx = fake.wx
  return fake
}

async function loadPage(rel, { query = {}, fake = null, show = true } = {}) {
  const simulate = require('miniprogram-simulate')
  const f = fake || installFakeWx()
  global.wx = Object.assign(global.wx || {}, f.wx)
  const id = simulate.load(path.join(ROOT, rel), { rootPath: ROOT, compiler: 'simulate' })
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

module.exports = { loadPage, installFakeWx, settle, text, ROOT }
