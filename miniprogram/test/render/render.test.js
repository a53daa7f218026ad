/**
 * `npm run render`, first half (not part of `npm test`): every page of app.json (RENDER_ONLY: a path prefix)
 * opened with the fixture data, its DOM written with the WXSS it uses (app.wxss, the page's, its components',
 * TDesign's; 750rpx = 375px) into render/html/<page with / as _>.html, for scripts/screenshot.js to draw.
 */
const fs = require('fs')
const path = require('path')
const { PAGES, openPage, closePage, pageTitle } = require('../support/render-pages')
const { ROOT } = require('../support/load-page')

const OUT = path.join(ROOT, 'render', 'html')
const ONLY = process.env.RENDER_ONLY || ''

// miniprogram-simulate scopes a class by its component: `main--card` on the page, `t-input--t-input` in TDesign's.
function css(file, prefix = 'main') {
  if (!fs.existsSync(file)) return ''
  return fs
    .readFileSync(file, 'utf8')
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/\.([a-zA-Z_][\w-]*)(?=[^{}]*\{)/g, `.${prefix}--$1`)
    .replace(/(-?[\d.]+)rpx/g, (m, n) => `${Number(n) / 2}px`)
    .replace(/@import[^;]+;/g, '')
    .replace(/(^|[}\s,])page(?=\s*[{,])/g, '$1body')
}

function tdesign() {
  const dir = path.join(ROOT, 'miniprogram_npm', 'tdesign-miniprogram')
  const out = []
  const walk = (d) =>
    fs.readdirSync(d, { withFileTypes: true }).forEach((e) => {
      const p = path.join(d, e.name)
      if (e.isDirectory()) walk(p)
      else if (e.name.endsWith('.wxss')) out.push(css(p, `t-${path.basename(d)}`))
    })
  walk(dir)
  return out.join('\n')
}

/** The project's own components (components/*, <subpackage>/components/*), each scoped by its tag. */
function ownComponents() {
  const out = []
  const dirs = [path.join(ROOT, 'components')].concat(
    fs
      .readdirSync(ROOT, { withFileTypes: true })
      .filter((e) => e.isDirectory() && fs.existsSync(path.join(ROOT, e.name, 'components')))
      .map((e) => path.join(ROOT, e.name, 'components')),
  )
  dirs.forEach((d) => {
    if (!fs.existsSync(d)) return
    fs.readdirSync(d).forEach((name) => out.push(css(path.join(d, name, 'index.wxss'), name)))
  })
  return out.join('\n')
}

const TD = fs.existsSync(path.join(ROOT, 'miniprogram_npm')) ? tdesign() : ''
const OWN = ownComponents()
const TAGS = `wx-view,view{display:block}wx-text,text{display:inline}wx-image,image{display:inline-block;width:320px;height:240px}
body{margin:0;font-family:"Noto Sans CJK SC",sans-serif;font-size:14px;background:#f3f3f3}
.nav{height:44px;background:#0052d9;color:#fff;display:flex;align-items:center;justify-content:center;font-size:17px}
[hidden]{display:none!important}`

fs.mkdirSync(OUT, { recursive: true })

test.each(PAGES.filter((p) => p.startsWith(ONLY)))('%s', async (rel) => {
  const opened = await openPage(rel)
  const html = opened.comp.dom.outerHTML
  const styles = [TAGS, TD, OWN, css(path.join(ROOT, 'app.wxss')), css(path.join(ROOT, `${rel}.wxss`))].join('\n')
  const page = `<!doctype html><html><head><meta charset="utf-8"><style>${styles}</style></head><body><div class="nav">${pageTitle(rel)}</div>${html}</body></html>`
  fs.writeFileSync(path.join(OUT, `${rel.replace(/\//g, '_')}.html`), page)
  closePage(opened)
})
