/**
 * The second half of `npm run render`: each render/html/<page>.html (written by test/render/render.test.js)
 * drawn by headless Chromium at 375×812 into render/<page>.png. Chromium: Debian's /usr/bin/chromium
 * (apt-get install -y chromium fonts-noto-cjk), or CHROMIUM_PATH.
 */
const fs = require('fs')
const path = require('path')
const puppeteer = require('puppeteer-core')

const OUT = path.resolve(__dirname, '..', 'render')
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium'

async function main() {
  if (!fs.existsSync(CHROMIUM))
    throw new Error(`no Chromium at ${CHROMIUM}: apt-get install -y chromium fonts-noto-cjk`)
  const pages = fs.readdirSync(path.join(OUT, 'html')).filter((f) => f.endsWith('.html'))
  const browser = await puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--font-render-hinting=none'],
  })
  try {
    for (const f of pages) {
      const tab = await browser.newPage()
      await tab.setViewport({ width: 375, height: 812, deviceScaleFactor: 1 })
      await tab.goto(`file://${path.join(OUT, 'html', f)}`, { waitUntil: 'load' })
      // A long page is drawn whole, with the fixed bars (navigation, bottom action, tab bar) where the phone
      // keeps them: at the top and the bottom of the picture.
      const height = await tab.evaluate(() => document.documentElement.scrollHeight)
      await tab.setViewport({ width: 375, height: Math.max(812, height), deviceScaleFactor: 1 })
      const png = path.join(OUT, f.replace(/\.html$/, '.png'))
      await tab.screenshot({ path: png })
      await tab.close()
      console.log(path.relative(path.resolve(OUT, '..'), png))
    }
  } finally {
    await browser.close()
  }
  console.log(`${pages.length} pages drawn`)
}

main().catch((err) => {
  console.error(err)
  process.exit(1)
})
