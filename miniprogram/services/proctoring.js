/** Proctoring API (pinned contract): consent, face capture before an exam, snapshots during it. */
const http = require('../utils/request')

const PATHS = {
  consent: '/proctoring/consent',
  captures: '/proctoring/captures',
  schedule: (ref) => `/proctoring/attempts/${encodeURIComponent(ref)}/schedule`,
  snapshots: (ref) => `/proctoring/attempts/${encodeURIComponent(ref)}/snapshots`,
}

/** {version, purpose, retention, retention_days, viewers, text, accepted, accepted_at}. */
const consent = () => http.get(PATHS.consent)
/** Accept the version that was shown (GET's version). */
const giveConsent = ({ version }) => http.post(PATHS.consent, { version })

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

module.exports = { PATHS, consent, giveConsent, uploadCapture, schedule, uploadSnapshot }
