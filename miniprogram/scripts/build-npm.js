/**
 * The mini-program npm build, as WeChat DevTools' 「构建 npm」 does it: every dependency with a `miniprogram`
 * field in its package.json is copied from node_modules/<name>/<that folder> to miniprogram_npm/<name>.
 * miniprogram_npm/ is build output (gitignored): `npm test`, the jest run (globalSetup) and `npm run render` build
 * it from the pinned node_modules, so the components tested are the ones shipped.
 */
const fs = require('fs')
const path = require('path')

const ROOT = path.resolve(__dirname, '..')

function buildNpm({ quiet = true } = {}) {
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'))
  const out = path.join(ROOT, 'miniprogram_npm')
  const built = []
  Object.keys(pkg.dependencies || {}).forEach((name) => {
    const dir = path.join(ROOT, 'node_modules', name)
    const meta = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'))
    if (!meta.miniprogram) return
    const target = path.join(out, name)
    const stamp = path.join(target, '.version')
    if (fs.existsSync(stamp) && fs.readFileSync(stamp, 'utf8') === meta.version) return
    fs.rmSync(target, { recursive: true, force: true })
    fs.cpSync(path.join(dir, meta.miniprogram), target, { recursive: true })
    fs.writeFileSync(stamp, meta.version)
    built.push(`${name}@${meta.version}`)
  })
  if (!quiet && built.length) console.log(`miniprogram_npm: ${built.join(', ')}`)
  return built
}

module.exports = buildNpm

if (require.main === module) buildNpm({ quiet: false })
