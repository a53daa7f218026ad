/**
 * The project opens in DevTools as it is: every page app.json lists exists with its four files, its JSON
 * parses, its template compiles and it renders in miniprogram-simulate (a page built with Component());
 * used components resolve.
 */
const fs = require('fs')
const path = require('path')
const { installFakeWx, load, ROOT } = require('../support/load-page')

const app = JSON.parse(fs.readFileSync(path.join(ROOT, 'app.json'), 'utf8'))
const pages = app.pages.concat(...app.subpackages.map((s) => s.pages.map((p) => `${s.root}/${p}`)))

test('app.json: subpackages per feature, main package holds log-in, home, inbox, settings', () => {
  expect(app.subpackages.map((s) => s.root).sort()).toEqual(
    expect.arrayContaining([
      'assessment',
      'commission',
      'exam',
      'institution',
      'office',
      'registration',
      'reviewer',
      'staff',
    ]),
  )
  ;['pages/login/index', 'pages/home/index', 'pages/inbox/index', 'pages/settings/index'].forEach((p) =>
    expect(app.pages).toContain(p),
  )
  app.tabBar.list.forEach((t) => expect(app.pages).toContain(t.pagePath))
  const project = JSON.parse(fs.readFileSync(path.join(ROOT, 'project.config.json'), 'utf8'))
  expect(project.compileType).toBe('miniprogram')
  expect(project.appid).toMatch(/^wx/)
})

test.each(pages)('%s has its files and renders', (page) => {
  ;['js', 'wxml', 'wxss', 'json'].forEach((ext) => expect(fs.existsSync(path.join(ROOT, `${page}.${ext}`))).toBe(true))
  const json = JSON.parse(fs.readFileSync(path.join(ROOT, `${page}.json`), 'utf8'))
  Object.values(json.usingComponents || {}).forEach((c) =>
    expect(fs.existsSync(path.join(ROOT, `${c.replace(/^\//, '')}.js`))).toBe(true),
  )
  installFakeWx()
  const simulate = require('miniprogram-simulate')
  const id = load(page)
  const comp = simulate.render(id)
  comp.attach(document.createElement('parent-wrapper'))
  expect(comp.instance).toBeTruthy()
  // Pages are written with Component(): lifecycle methods live in `methods`, as the framework expects.
  const src = fs.readFileSync(path.join(ROOT, `${page}.js`), 'utf8')
  expect(src).toMatch(/\bComponent\(\{/)
  expect(src).not.toMatch(/\bwx\.request\(/) // pages call services, never the network
})
