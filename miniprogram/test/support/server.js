/**
 * Start the real server for the end-to-end test: `python -m server run` (demo data, the notifications worker,
 * embedded Redis, the WeChat / Aliyun emulators) on free ports with a temp DATA_DIR; wait for /readyz; stop it
 * (its whole process group) afterwards. test/e2e/helper.py makes camera frames and reads a demo physician's ID.
 *
 * `startServer({ demo: false })` is a new deployment: `run --no-demo` (no account, no region, no institution);
 * `createAdmin()` runs `python -m server create-admin --password-stdin` against its database, as an operator would,
 * and `importRegister()` posts a register file to `/registry/import/{register}` as the administrator.
 */
const { spawn, execFile } = require('child_process')
const fs = require('fs')
const net = require('net')
const os = require('os')
const path = require('path')

const REPO = path.resolve(__dirname, '..', '..', '..')
const PYTHON = process.env.E2E_PYTHON || path.join(REPO, '.venv', 'bin', 'python')
const HELPER = path.join(__dirname, '..', 'e2e', 'helper.py')

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer()
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address()
      srv.close(() => resolve(port))
    })
    srv.on('error', reject)
  })
}

function baseEnv(dataDir, port, emulatorPort, smtpPort) {
  const env = { ...process.env }
  ;[
    'DATABASE_URL',
    'REDIS_URL',
    'WECHAT_API_BASE',
    'ALIYUN_SMS_ENDPOINT',
    'ALIYUN_PUSH_ENDPOINT',
    'TEST_DATABASE_URL',
    'TEST_REDIS_URL',
  ].forEach((k) => delete env[k])
  return {
    ...env,
    APP_ENV: 'development',
    DATA_DIR: dataDir,
    HOST: '127.0.0.1',
    PORT: String(port),
    EMULATOR_PORT: String(emulatorPort),
    // The SMTP emulator's own free port too (8925 by default, taken when two test servers run at once)
    EMULATOR_SMTP_PORT: String(smtpPort),
    SMTP_PORT: String(smtpPort),
    EMULATORS_ENABLED: 'true',
    // The worker delivers notifications (inbox messages) from the outbox, as in `make run`.
    RUN_WORKER_IN_PROCESS: process.env.E2E_WORKER === '0' ? 'false' : 'true',
    LOG_LEVEL: 'WARNING',
    TRUSTED_PROXIES: '127.0.0.1',
    PYTHONPATH: REPO,
    PYTHONUNBUFFERED: '1',
  }
}

async function waitReady(url, proc, timeoutMs) {
  const until = Date.now() + timeoutMs
  while (Date.now() < until) {
    if (proc.exitCode !== null) throw new Error(`server exited early with ${proc.exitCode}`)
    try {
      const r = await fetch(url)
      if (r.status === 200) return
    } catch (e) {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 300))
  }
  throw new Error(`server not ready at ${url} after ${timeoutMs} ms`)
}

async function startServer({ timeoutMs = 120000, demo = true } = {}) {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'yishi-mp-e2e-'))
  const port = await freePort()
  const emulatorPort = await freePort()
  const smtpPort = await freePort()
  const env = baseEnv(dataDir, port, emulatorPort, smtpPort)
  const log = []
  const proc = spawn(PYTHON, ['-m', 'server', 'run', ...(demo ? [] : ['--no-demo'])], {
    cwd: REPO,
    env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  proc.stdout.on('data', (d) => log.push(d.toString()))
  proc.stderr.on('data', (d) => log.push(d.toString()))
  const baseUrl = `http://127.0.0.1:${port}`
  try {
    await waitReady(`${baseUrl}/readyz`, proc, timeoutMs)
  } catch (err) {
    stop()
    err.message += `\n--- server output ---\n${log.join('').slice(-4000)}`
    throw err
  }

  function stop() {
    if (proc.exitCode === null) {
      try {
        process.kill(-proc.pid, 'SIGTERM')
      } catch (e) {
        // already gone
      }
    }
    return new Promise((resolve) => {
      if (proc.exitCode !== null) return resolve()
      const t = setTimeout(() => {
        try {
          process.kill(-proc.pid, 'SIGKILL')
        } catch (e) {
          // already gone
        }
        resolve()
      }, 10000)
      proc.on('exit', () => {
        clearTimeout(t)
        resolve()
      })
    }).then(() => fs.rmSync(dataDir, { recursive: true, force: true }))
  }

  function helper(args) {
    return new Promise((resolve, reject) => {
      execFile(PYTHON, [HELPER, ...args], { cwd: REPO, env }, (err, stdout, stderr) => {
        if (err) return reject(new Error(`${err.message}\n${stderr}`))
        resolve(stdout)
      })
    })
  }

  /** {name, id_number, province_code} of the demo physician with this phone (for the assessment binding). */
  async function person(phone) {
    return JSON.parse((await helper(['person', phone])).trim().split('\n').pop())
  }

  /** Camera frames for the face capture: {face, noface} paths of JPEG files. */
  async function cameraFrames() {
    await helper(['frames', dataDir])
    return { face: path.join(dataDir, 'face.jpg'), noface: path.join(dataDir, 'noface.jpg') }
  }

  /** `python -m server create-admin --username NAME --password-stdin` on this server's database. */
  function createAdmin({ username, password, realName = null }) {
    return new Promise((resolve, reject) => {
      const args = ['-m', 'server', 'create-admin', '--username', username, '--password-stdin']
      if (realName) args.push('--real-name', realName)
      const child = execFile(PYTHON, args, { cwd: REPO, env }, (err, stdout, stderr) => {
        if (err) return reject(new Error(`create-admin failed: ${err.message}\n${stderr}`))
        resolve(stdout.trim())
      })
      child.stdin.end(`${password}\n`)
    })
  }

  /** Import a register file (CSV or xlsx) as the administrator: the server's per-row report. */
  async function importRegister({ token, register, filePath }) {
    const form = new FormData()
    form.append('file', new Blob([fs.readFileSync(filePath)]), path.basename(filePath))
    const res = await fetch(`${baseUrl}/api/v1/registry/import/${register}`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}` },
      body: form,
    })
    const body = await res.json()
    if (res.status !== 200) throw new Error(`import ${register}: ${res.status} ${JSON.stringify(body)}`)
    return body
  }

  return {
    baseUrl,
    emulatorBase: `http://127.0.0.1:${emulatorPort}`,
    dataDir,
    stop,
    person,
    cameraFrames,
    createAdmin,
    importRegister,
    log,
  }
}

module.exports = { startServer, REPO }
