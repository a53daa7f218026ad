/**
 * The tab bar's icons (WeChat's native tab bar takes PNG files, 81×81): drawn from the SVG outlines below by
 * headless Chromium into images/tab/<name>[-on].png, which are committed. Run again only to change them.
 */
const fs = require('fs')
const path = require('path')
const puppeteer = require('puppeteer-core')

const OUT = path.resolve(__dirname, '..', 'images', 'tab')
const COLORS = { '': '#666666', '-on': '#0052d9' }
const ICONS = {
  home: '<path d="M12 40 L40 16 L68 40" /><path d="M20 34 V66 H34 V48 H46 V66 H60 V34" />',
  inbox: '<path d="M14 20 H66 V54 H38 L24 66 V54 H14 Z" /><path d="M26 34 H54 M26 43 H46" />',
  me: '<circle cx="40" cy="28" r="12" /><path d="M16 66 C16 50 28 44 40 44 C52 44 64 50 64 66" />',
}

async function main() {
  fs.mkdirSync(OUT, { recursive: true })
  const browser = await puppeteer.launch({
    executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
    args: ['--no-sandbox'],
  })
  const tab = await browser.newPage()
  await tab.setViewport({ width: 81, height: 81, deviceScaleFactor: 1 })
  for (const [name, shape] of Object.entries(ICONS)) {
    for (const [suffix, color] of Object.entries(COLORS)) {
      const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="81" height="81" viewBox="0 0 80 80" fill="none" stroke="${color}" stroke-width="5" stroke-linecap="round" stroke-linejoin="round">${shape}</svg>`
      await tab.setContent(`<html><body style="margin:0;background:transparent">${svg}</body></html>`)
      await tab.screenshot({
        path: path.join(OUT, `${name}${suffix}.png`),
        omitBackground: true,
        clip: { x: 0, y: 0, width: 81, height: 81 },
      })
    }
  }
  await browser.close()
}

main().catch((err) => {
  console.error(err)
  process.exit(1)
})
