/**
 * The second half of `npm run render`: each render/html/<page>.html (written by test/render/render.test.js)
 * drawn by headless Chromium at 375×812 into render/<page>.png; a workbench page (reviewer/, institution/,
 * office/, commission/, staff/) also at 1024 px wide into render/<page>.wide.png, as WeChat for Windows / Mac
 * shows it. Chromium: Debian's /usr/bin/chromium (apt-get install -y chromium fonts-noto-cjk), or CHROMIUM_PATH.
 */
const fs = require('fs')
const path = require('path')
const puppeteer = require('puppeteer-core')

const OUT = path.resolve(__dirname, '..', 'render')
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium'
// Pages drawn wide too (the file name is the page path with / as _)
const WIDE = /^(reviewer|institution|office|commission|staff)_/
const PHONE = { width: 375, height: 812 }
const DESKTOP = { width: 1024, height: 768 }

async function draw(browser, file, { width, height }, png) {
  const tab = await browser.newPage()
  await tab.setViewport({ width, height, deviceScaleFactor: 1 })
  await tab.goto(`file://${file}`, { waitUntil: 'load' })
  // A long page is drawn whole, with the fixed bars (navigation, bottom action, tab bar) where the phone
  // keeps them: at the top and the bottom of the picture.
  const full = await tab.evaluate(() => document.documentElement.scrollHeight)
  await tab.setViewport({ width, height: Math.max(height, full), deviceScaleFactor: 1 })
  await tab.screenshot({ path: png })
  await tab.close()
  console.log(path.relative(path.resolve(OUT, '..'), png))
}

async function main() {
  if (!fs.existsSync(CHROMIUM))
    throw new Error(`no Chromium at ${CHROMIUM}: apt-get install -y chromium fonts-noto-cjk`)
  // RENDER_ONLY (a page path prefix, as for the first half) draws only those pages
  const only = (process.env.RENDER_ONLY || '').replace(/\//g, '_')
  const pages = fs.readdirSync(path.join(OUT, 'html')).filter((f) => f.endsWith('.html') && f.startsWith(only))
  const browser = await puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--font-render-hinting=none'],
  })
  try {
    let drawn = 0
    for (const f of pages) {
      const file = path.join(OUT, 'html', f)
      await draw(browser, file, PHONE, path.join(OUT, f.replace(/\.html$/, '.png')))
      drawn += 1
      if (WIDE.test(f)) {
        await draw(browser, file, DESKTOP, path.join(OUT, f.replace(/\.html$/, '.wide.png')))
        drawn += 1
      }
    }
    console.log(`${drawn} pictures drawn`)
  } finally {
    await browser.close()
  }
}

main().catch((err) => {
  console.error(err)
  process.exit(1)
})
