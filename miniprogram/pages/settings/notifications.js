/**
 * Notification channels per kind of message. The server's preferences document is shown as it comes:
 * {channels: {inbox, wechat, push, sms}} and/or {kinds: {kind: {channel: bool}}}; the in-app inbox always
 * receives everything, so it cannot be switched off here.
 */
const inbox = require('../../services/inbox')
const { run } = require('../../utils/ui')

const CHANNEL_TEXT = { inbox: '站内消息', wechat: '微信订阅消息', push: 'App 推送', sms: '短信' }
const KIND_TEXT = {
  'review.decided': '审核结果',
  'exam.scored': '测评成绩',
  'assessment.result_ready': '考核结果',
  'registry.activation_code': '账号激活',
  'account.security': '账号安全',
}

function rows(prefs) {
  const out = []
  const channels = prefs.channels || {}
  Object.keys(channels).forEach((c) =>
    out.push({
      path: `channels.${c}`,
      title: CHANNEL_TEXT[c] || c,
      value: Boolean(channels[c]),
      locked: c === 'inbox',
    }),
  )
  const kinds = prefs.kinds || {}
  Object.keys(kinds).forEach((k) =>
    Object.keys(kinds[k]).forEach((c) =>
      out.push({
        path: `kinds.${k}.${c}`,
        title: `${KIND_TEXT[k] || k} · ${CHANNEL_TEXT[c] || c}`,
        value: Boolean(kinds[k][c]),
        locked: c === 'inbox' || k === 'account.security',
      }),
    ),
  )
  return out
}

function setPath(obj, path, value) {
  const copy = JSON.parse(JSON.stringify(obj))
  const keys = []
  // kind names contain dots: split on the first part and the last part only
  const first = path.indexOf('.')
  const last = path.lastIndexOf('.')
  keys.push(path.slice(0, first))
  if (first !== last) keys.push(path.slice(first + 1, last))
  keys.push(path.slice(last + 1))
  let node = copy
  keys.slice(0, -1).forEach((k) => {
    node[k] = node[k] || {}
    node = node[k]
  })
  node[keys[keys.length - 1]] = value
  return copy
}

Component({
  data: { prefs: null, rows: [], loading: false, saving: false, error: '' },
  methods: {
    async onShow() {
      const r = await run(this, () => inbox.preferences(), { quiet: true })
      if (r.ok) this.setData({ prefs: r.result, rows: rows(r.result) })
    },
    async onToggle(e) {
      const path = e.currentTarget.dataset.path
      const next = setPath(this.data.prefs, path, Boolean(e.detail.value))
      const before = this.data.prefs
      this.setData({ prefs: next, rows: rows(next) })
      const r = await run(this, () => inbox.savePreferences(next), { key: 'saving', success: '已保存' })
      if (r.ok && r.result && typeof r.result === 'object') this.setData({ prefs: r.result, rows: rows(r.result) })
      else if (!r.ok) this.setData({ prefs: before, rows: rows(before) }) // show what is really stored
    },
  },
})

module.exports = { rows, setPath }
