/** Proctoring API (pinned contract): consent, face capture before an exam, snapshots during it. */
const http = require('../utils/request')

const PATHS = {
  consent: '/proctoring/consent',
  compareConsent: '/proctoring/consent/comparison',
  identityChecks: '/proctoring/identity-checks',
  faceData: '/proctoring/face-data',
  captures: '/proctoring/captures',
  schedule: (ref) => `/proctoring/attempts/${encodeURIComponent(ref)}/schedule`,
  snapshots: (ref) => `/proctoring/attempts/${encodeURIComponent(ref)}/snapshots`,
}

/** {version, purpose, retention, retention_days, viewers, text, accepted, accepted_at}. */
const consent = () => http.get(PATHS.consent)
/** Accept the version that was shown (GET's version). */
const giveConsent = ({ version }) => http.post(PATHS.consent, { version })

/** The separate consent to the comparison with the ID photo: {version, text, decided, accepted, …}. */
const compareConsent = () => http.get(PATHS.compareConsent)
/** Accept (true) or decline (false) the comparison; the last decision counts. */
const decideCompareConsent = ({ version, accepted }) => http.post(PATHS.compareConsent, { version, accepted })
/** The non-face way: my requests to have my identity confirmed by the assessment office ({items}). */
const identityChecks = () => http.get(PATHS.identityChecks)
/** Ask for the non-face way: reason is declined | unmatched | no_photo | other. */
const requestIdentityCheck = ({ reason, note }) => http.post(PATHS.identityChecks, { reason, note: note || '' })
/** What face data is kept about me, until when and why. */
const faceData = () => http.get(PATHS.faceData)

/**
 * Upload a camera photo. Resolves to {capture_id, accepted, measurements, reasons}: `reasons` is the list of
 * Chinese sentences to show when the capture was refused, whether the server refused it with an error
 * (FACE_NOT_FOUND, IMAGE_TOO_DARK … with the measured values in details) or with accepted: false.
 */
async function uploadCapture({ filePath, examKind }) {
  try {
    const res = await http.upload({ path: PATHS.captures, filePath, name: 'image', formData: { exam_kind: examKind } })
    return { ...res, reasons: res.accepted ? [] : reasonsOf(res) }
  } catch (err) {
    if (err.status === 422 || err.status === 413) {
      return {
        capture_id: null,
        accepted: false,
        measurements: err.details || null,
        reasons: [err.message],
        code: err.code,
      }
    }
    throw err
  }
}

function reasonsOf(res) {
  const m = res.measurements || {}
  const list = res.reasons || m.reasons || (res.message ? [res.message] : [])
  return list.length ? list.map((r) => (typeof r === 'string' ? r : r.message)) : ['照片不符合要求，请重新拍摄']
}

/** {offsets_s, due_at, taken_slots, grace_s, server_time, closed}: when the exam page should take snapshots. */
const schedule = (attemptRef) => http.get(PATHS.schedule(attemptRef))

function uploadSnapshot({ attemptRef, filePath }) {
  return http.upload({ path: PATHS.snapshots(attemptRef), filePath, name: 'image' })
}

/**
 * Photos during the attempt at the server's random moments (GET …/schedule: `due_at[i]`, `taken_slots`,
 * `grace_s`, `server_time`). Each slot not yet taken is photographed when due by the server's clock (a resumed
 * attempt picks up the remaining ones, a slot still inside its grace is taken at once) and uploaded; the server
 * matches the photo to the slot and flags a missing or faceless one. A failed upload is retried twice.
 * `takePhoto()` resolves with a temp file path (the attempt page's <camera>).
 */
class SnapshotScheduler {
  constructor({ attemptRef, takePhoto, api = null, timers = null, now = () => Date.now(), onResult = () => {} }) {
    this.attemptRef = attemptRef
    this.takePhoto = takePhoto
    this.api = api || { schedule, uploadSnapshot }
    this.timers = timers || { setTimeout: (f, ms) => setTimeout(f, ms), clearTimeout: (t) => clearTimeout(t) }
    this.now = now
    this.onResult = onResult
    this.pending = new Map()
    this.stopped = false
  }

  /** Fetch the schedule and set a timer per remaining slot; resolves with the slots planned. */
  async start() {
    const plan = await this.api.schedule(this.attemptRef)
    if (this.stopped || plan.closed) return []
    const offsetMs = Date.parse(plan.server_time) - this.now()
    const graceMs = (plan.grace_s || 0) * 1000
    const taken = new Set(plan.taken_slots || [])
    const planned = []
    ;(plan.due_at || []).forEach((due, slot) => {
      if (taken.has(slot)) return
      const wait = Date.parse(due) - (this.now() + offsetMs)
      if (wait < -graceMs) return // missed for good (the app was not running): the server flags it
      planned.push(slot)
      this.pending.set(
        slot,
        this.timers.setTimeout(() => this.fire(slot, 0), Math.max(0, wait)),
      )
    })
    return planned
  }

  async fire(slot, tries) {
    this.pending.delete(slot)
    if (this.stopped) return
    try {
      const filePath = await this.takePhoto()
      const res = await this.api.uploadSnapshot({ attemptRef: this.attemptRef, filePath })
      this.onResult({ slot, ...res })
    } catch (err) {
      if (this.stopped) return
      if (tries < 2 && !(err && err.status >= 400 && err.status < 500)) {
        this.pending.set(
          slot,
          this.timers.setTimeout(() => this.fire(slot, tries + 1), 3000),
        )
      } else {
        this.onResult({ slot, accepted: false, error: err })
      }
    }
  }

  stop() {
    this.stopped = true
    this.pending.forEach((t) => this.timers.clearTimeout(t))
    this.pending.clear()
  }
}

module.exports = {
  PATHS,
  consent,
  giveConsent,
  compareConsent,
  decideCompareConsent,
  identityChecks,
  requestIdentityCheck,
  faceData,
  uploadCapture,
  schedule,
  uploadSnapshot,
  SnapshotScheduler,
}
