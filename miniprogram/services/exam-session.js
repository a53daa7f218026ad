/**
 * One exam attempt on this phone: the server's clock, answers saved as they are given, and resume.
 *
 * Every answer gets a sequence number from ONE counter per attempt (strictly increasing across the whole
 * attempt, so it is also increasing per question): the server keeps, per question, the answer with the
 * highest seq, and a retried save of the same seq is harmless. Unsaved answers wait in a queue that is kept
 * in storage, so an answer given offline, or just before the app was killed, is sent on the next try or
 * the next launch. The queue holds only the newest answer per question.
 *
 * State for the page: 'saved' | 'saving' | 'offline' | 'closed' (the server no longer takes answers) |
 * 'error' (one answer was refused; `lastError` says why).
 */
const examApi = require('./exam')
const { ApiError, clientError } = require('../utils/errors')

const RETRY_MS = [1000, 2000, 5000, 10000, 20000, 30000]
// The attempt no longer takes answers (server/exams/errors.py): stop retrying, let the page show the closed state.
// A save older than the stored answer is not an error: 200 with `applied: false` (the newer one stays).
// SECTION_CLOSED / SECTION_NOT_CURRENT / SECTION_LOCKED / OPTION_INVALID refuse that one answer only.
const CLOSED_CODES = new Set(['ATTEMPT_CLOSED', 'ATTEMPT_NOT_FOUND', 'EXAM_DEVICE_MISMATCH'])

function storageKey(ref) {
  return `exam:attempt:${ref}`
}

const wxStorage = {
  get: (k) => {
    try {
      return wx.getStorageSync(k) || null
    } catch (e) {
      return null
    }
  },
  set: (k, v) => {
    try {
      wx.setStorageSync(k, v)
    } catch (e) {
      // storage full: the in-memory queue still retries during this run
    }
  },
  remove: (k) => {
    try {
      wx.removeStorageSync(k)
    } catch (e) {
      // nothing to do
    }
  },
}

class ExamSession {
  constructor({ deviceId, api = examApi, storage = wxStorage, timers = null, now = () => Date.now() }) {
    this.deviceId = deviceId
    this.api = api
    this.storage = storage
    this.timers = timers || { setTimeout: (f, ms) => setTimeout(f, ms), clearTimeout: (t) => clearTimeout(t) }
    this.now = now
    this.attempt = null
    this.answers = {}
    this.pending = {}
    this.seq = 0
    this.offsetMs = 0
    this.deadlineMs = null
    this.state = 'saved'
    this.lastError = null
    this.retries = 0
    this.retryTimer = null
    this.flushing = null
    this.listeners = new Set()
  }

  /** Start a new attempt (face capture id from the capture page). */
  static async start(kind, { captureId, deviceId, ...opts }) {
    const session = new ExamSession({ deviceId, ...opts })
    session.load(await session.api.start(kind, { captureId, deviceId }))
    return session
  }

  /** Pick an attempt up again after the app was killed: server answers merged with the local queue. */
  static async resume(attemptRef, { deviceId, ...opts }) {
    const session = new ExamSession({ deviceId, ...opts })
    session.load(await session.api.attempt(attemptRef, { deviceId }))
    if (Object.keys(session.pending).length) session.flush()
    return session
  }

  get ref() {
    return this.attempt && this.attempt.attempt_ref
  }

  onChange(fn) {
    this.listeners.add(fn)
    return () => this.listeners.delete(fn)
  }

  emit() {
    this.listeners.forEach((fn) => fn(this.snapshot()))
  }

  snapshot() {
    return {
      state: this.state,
      pendingCount: Object.keys(this.pending).length,
      lastError: this.lastError ? this.lastError.message : '',
      remainingMs: this.remainingMs(),
    }
  }

  load(attempt) {
    this.attempt = attempt
    this.syncClock(attempt)
    const saved = this.storage.get(storageKey(attempt.attempt_ref)) || { pending: {}, seq: 0 }
    this.answers = {}
    let maxSeq = saved.seq || 0
    ;(attempt.answers || []).forEach((a) => {
      this.answers[a.question_ref] = a.option_ids
      maxSeq = Math.max(maxSeq, a.seq || 0)
    })
    this.pending = {}
    Object.keys(saved.pending || {}).forEach((q) => {
      const local = saved.pending[q]
      const server = (attempt.answers || []).find((a) => a.question_ref === q)
      if (!server || (server.seq || 0) < local.seq) {
        this.pending[q] = local
        this.answers[q] = local.option_ids
      }
    })
    this.seq = maxSeq
    this.state = Object.keys(this.pending).length ? 'saving' : 'saved'
    if (attempt.status && attempt.status !== 'in_progress' && attempt.status !== 'active') this.state = 'closed'
    this.persist()
  }

  syncClock(body) {
    if (body && body.server_time) {
      const server = Date.parse(body.server_time)
      if (!Number.isNaN(server)) this.offsetMs = server - this.now()
    }
    if (body && body.deadline_at) {
      const deadline = Date.parse(body.deadline_at)
      if (!Number.isNaN(deadline)) this.deadlineMs = deadline
    }
  }

  /** Milliseconds left by the server's clock (never the phone's). */
  remainingMs() {
    if (this.deadlineMs === null) return null
    return Math.max(0, this.deadlineMs - (this.now() + this.offsetMs))
  }

  persist() {
    if (!this.ref) return
    this.storage.set(storageKey(this.ref), { pending: this.pending, seq: this.seq })
  }

  questionsOf(section) {
    return (this.attempt.questions || []).filter((q) => !section || q.section === section)
  }

  /** Record an answer now (the page shows it at once) and save it in the background. */
  answer(questionRef, optionIds) {
    if (this.state === 'closed') throw clientError('ATTEMPT_CLOSED', { message: '考试已结束，答案不再保存' })
    this.seq += 1
    this.answers[questionRef] = optionIds.slice()
    this.pending[questionRef] = { option_ids: optionIds.slice(), seq: this.seq }
    this.persist()
    return this.flush()
  }

  /** Send every queued answer; resolves when the queue is empty or the network is gone. */
  flush() {
    if (this.flushing) {
      this.flushAgain = true
      return this.flushing
    }
    if (this.retryTimer) {
      this.timers.clearTimeout(this.retryTimer)
      this.retryTimer = null
    }
    this.flushing = this.drain().finally(() => {
      this.flushing = null
      if (this.flushAgain) {
        this.flushAgain = false
        if (Object.keys(this.pending).length && this.state !== 'offline' && this.state !== 'closed') return this.flush()
      }
      return undefined
    })
    return this.flushing
  }

  async drain() {
    if (this.state === 'closed') return
    for (;;) {
      const refs = Object.keys(this.pending)
      if (!refs.length) break
      this.setState('saving')
      const q = refs[0]
      const sent = this.pending[q]
      try {
        const res = await this.api.saveAnswer(this.ref, q, {
          optionIds: sent.option_ids,
          seq: sent.seq,
          deviceId: this.deviceId,
        })
        this.syncClock(res)
        this.retries = 0
        if (this.pending[q] && this.pending[q].seq === sent.seq) delete this.pending[q]
        this.persist()
      } catch (err) {
        if (err instanceof ApiError && err.offline) {
          this.scheduleRetry()
          this.setState('offline')
          return
        }
        if (err instanceof ApiError && (CLOSED_CODES.has(err.code) || err.status === 410)) {
          this.lastError = err
          this.setState('closed')
          return
        }
        // Refused for a reason a retry will not fix (bad option id …): drop it, say so, go on with the rest.
        this.lastError = err
        if (this.pending[q] && this.pending[q].seq === sent.seq) delete this.pending[q]
        this.persist()
        this.setState('error')
        if (!Object.keys(this.pending).length) return
      }
    }
    this.setState(this.state === 'error' ? 'error' : 'saved')
  }

  scheduleRetry() {
    const delay = RETRY_MS[Math.min(this.retries, RETRY_MS.length - 1)]
    this.retries += 1
    this.retryTimer = this.timers.setTimeout(() => {
      this.retryTimer = null
      this.state = 'saving'
      this.flush()
    }, delay)
  }

  setState(state) {
    this.state = state
    this.emit()
  }

  /** Close the current section (law section gate); resolves to the reloaded attempt. */
  async finishSection(section) {
    await this.flush()
    if (Object.keys(this.pending).length) throw clientError('ANSWERS_PENDING')
    // The server answers with the whole attempt (AttemptOut): next section open, or scored after the law gate.
    this.load(await this.api.finishSection(this.ref, section, { deviceId: this.deviceId }))
    this.emit()
    return this.attempt
  }

  /** Hand in: every answer must be on the server first. */
  async submit() {
    await this.flush()
    if (Object.keys(this.pending).length) throw clientError('ANSWERS_PENDING')
    const res = await this.api.submit(this.ref, { deviceId: this.deviceId })
    this.storage.remove(storageKey(this.ref))
    this.setState('closed')
    return res
  }

  dispose() {
    if (this.retryTimer) this.timers.clearTimeout(this.retryTimer)
    this.retryTimer = null
    this.listeners.clear()
  }
}

/** Where a killed app left off: the attempt the page should resume, if any. */
const CURRENT_KEY = 'exam:current'
function rememberCurrent(ref) {
  wxStorage.set(CURRENT_KEY, ref)
}
function currentAttempt() {
  return wxStorage.get(CURRENT_KEY)
}
function forgetCurrent() {
  wxStorage.remove(CURRENT_KEY)
}

module.exports = { ExamSession, storageKey, rememberCurrent, currentAttempt, forgetCurrent, RETRY_MS }
