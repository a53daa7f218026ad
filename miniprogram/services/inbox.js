/** In-app messages, notification channels and subscribe-message consent (pinned notifications contract). */
const http = require('../utils/request')
const env = require('../config/env')

const PATHS = {
  inbox: '/inbox',
  unread: '/inbox/unread-count',
  read: (id) => `/inbox/${id}/read`,
  readAll: '/inbox/read-all',
  message: (id) => `/inbox/${id}`,
  preferences: '/me/notification-preferences',
  subscriptions: '/me/subscriptions',
}

/** {items: [{id, kind, title, body, link, data, read, read_at, created_at}], next_cursor, unread}, newest first. */
/**
 * The page of this mini-program a message leads to. The server's `link` (server/notifications/templates.py)
 * names its own paths; they are translated here, with the message's `kind` and `data` (e.g. the review kind)
 * deciding where a review decision is followed up. null: nothing to open.
 */
function pageFor(message) {
  const link = (message && message.link) || ''
  const data = (message && message.data) || {}
  const kind = message && message.kind
  if (kind === 'review.decided' || link.startsWith('/pages/reviews/')) {
    const reviewKind = String(data.kind || '')
    if (reviewKind.startsWith('assessment_')) return '/assessment/pages/index/index'
    if (reviewKind === 'registry_info_change' || reviewKind === 'registry_photo')
      return '/registration/pages/info-change/index'
    if (reviewKind.startsWith('registry_')) return '/registration/pages/applications/index'
    return null
  }
  if (kind === 'exam.scored' || link.startsWith('/pages/exams/results')) {
    return data.attempt_ref
      ? `/exam/pages/results/index?ref=${encodeURIComponent(data.attempt_ref)}`
      : '/exam/pages/results/index'
  }
  if (kind === 'assessment.result_ready' || link.startsWith('/pages/assessment/result')) {
    return '/assessment/pages/result/index'
  }
  if (kind === 'account.security' || link.startsWith('/pages/me/security')) return '/pages/settings/sessions'
  if (kind === 'registry.activation_code') return '/registration/pages/activation/index'
  // an office's reminder (催办) leads to the assessment's steps (the server links `/assessment/pages/index/index`)
  if (kind === 'assessment.reminder' || link.startsWith('/assessment/pages/index/index')) {
    return '/assessment/pages/index/index'
  }
  return null
}

function list({ cursor = null, limit = 20 } = {}) {
  return http.get(PATHS.inbox, { cursor, limit })
}

/** → number ({unread}). */
async function unreadCount() {
  const res = await http.get(PATHS.unread)
  return res.unread
}

const markRead = (id) => http.post(PATHS.read(id), {})
const markAllRead = () => http.post(PATHS.readAll, {})
const remove = (id) => http.del(PATHS.message(id))
/** {preferences: [{kind, label, channels: [{channel, enabled, mandatory}]}]}. */
const preferences = () => http.get(PATHS.preferences)
/** body {preferences: [{kind, channel, enabled}]} → the whole list again. */
const savePreferences = (body) => http.put(PATHS.preferences, body)

/**
 * Ask for consent to subscribe messages right before the action that will produce them (WeChat only allows
 * the prompt after a tap), then tell the server which templates were accepted. Never blocks the action:
 * a refusal or a failure to record it is reported back, not thrown.
 */
function requestSubscription(purposes) {
  const tmplIds = purposes.map((p) => env.subscribeTemplate(p)).filter(Boolean)
  if (!tmplIds.length) return Promise.resolve({ accepted: [] })
  return new Promise((resolve) => {
    wx.requestSubscribeMessage({
      tmplIds,
      success: async (res) => {
        const accepted = tmplIds.filter((id) => res[id] === 'accept')
        if (!accepted.length) return resolve({ accepted })
        try {
          await http.post(PATHS.subscriptions, { template_ids: accepted })
          resolve({ accepted })
        } catch (err) {
          resolve({ accepted, error: err })
        }
      },
      fail: () => resolve({ accepted: [] }),
    })
  })
}

module.exports = {
  PATHS,
  pageFor,
  list,
  unreadCount,
  markRead,
  markAllRead,
  remove,
  preferences,
  savePreferences,
  requestSubscription,
}
