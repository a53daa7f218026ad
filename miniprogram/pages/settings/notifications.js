/**
 * Notification channels per kind of message, as the server lists them:
 * GET → {preferences: [{kind, label, channels: [{channel, enabled, mandatory}]}]};
 * PUT {preferences: [{kind, channel, enabled}]} → the same list. Mandatory ones cannot be switched off.
 */
const inbox = require('../../services/inbox')
const { run } = require('../../utils/ui')

const CHANNEL_TEXT = { inbox: '站内消息', wechat: '微信订阅消息', push: 'App 推送', sms: '短信' }

function view(prefs) {
  return (prefs.preferences || []).map((k) => ({
    kind: k.kind,
    label: k.label || k.kind,
    channels: k.channels.map((c) => ({ ...c, title: CHANNEL_TEXT[c.channel] || c.channel })),
  }))
}

Component({
  data: { kinds: [], loading: false, saving: false, error: '' },
  methods: {
    async onShow() {
      const r = await run(this, () => inbox.preferences(), { quiet: true })
      if (r.ok) this.setData({ kinds: view(r.result) })
    },
    async onToggle(e) {
      const { kind, channel } = e.currentTarget.dataset
      const enabled = Boolean(e.detail.value)
      const before = this.data.kinds
      const r = await run(this, () => inbox.savePreferences({ preferences: [{ kind, channel, enabled }] }), {
        key: 'saving',
        success: '已保存',
      })
      // Always show what the server holds: its answer on success, the previous state on failure.
      this.setData({ kinds: r.ok ? view(r.result) : before.map((k) => ({ ...k })) })
    },
  },
})

module.exports = { view }
