/**
 * Where the API lives, per mini-program environment (develop / trial / release).
 * The developer's machine runs `python -m server run` on 127.0.0.1:8000; DevTools must have
 * "不校验合法域名" ticked for that. Trial and release use the deployed hosts.
 */
const BASE_URLS = {
  develop: 'http://127.0.0.1:8000',
  trial: 'https://staging-api.yishi.example.cn',
  release: 'https://api.yishi.example.cn',
}

// Subscribe-message template ids by purpose (the server's SUBSCRIBE_TEMPLATES; dev values are the emulator's).
const SUBSCRIBE_TEMPLATES = {
  develop: {
    review_result: 'dev-review-result-tmpl-0000000000000000001',
    exam_reminder: 'dev-exam-reminder-tmpl-000000000000000001',
    assessment_result: 'dev-assessment-result-tmpl-00000000000001',
  },
  trial: {},
  release: {},
}

const API_PREFIX = '/api/v1'
let override = null

function envVersion() {
  try {
    return wx.getAccountInfoSync().miniProgram.envVersion || 'develop'
  } catch (e) {
    return 'develop'
  }
}

function baseUrl() {
  return override || BASE_URLS[envVersion()] || BASE_URLS.develop
}

/** Tests and the debug page point the app at another server. */
function setBaseUrl(url) {
  override = url ? url.replace(/\/+$/, '') : null
}

function subscribeTemplate(purpose) {
  const table = SUBSCRIBE_TEMPLATES[envVersion()] || {}
  return table[purpose] || null
}

module.exports = { API_PREFIX, BASE_URLS, baseUrl, setBaseUrl, envVersion, subscribeTemplate }
