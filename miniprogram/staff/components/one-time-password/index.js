/**
 * The one-time password of a new or reset staff account, shown this once: the password, 复制 (to the
 * clipboard), until when it works, and that it must be changed at the first log-in. Closing it is final:
 * the server keeps only a hash, so nobody can show it again (a new one needs 重置密码).
 */
const { formatTime } = require('../../../utils/ui')

Component({
  options: { virtualHost: true },
  properties: {
    visible: { type: Boolean, value: false },
    password: { type: String, value: '' },
    username: { type: String, value: '' },
    expiresAt: { type: String, value: '' },
  },
  data: { expires: '', copied: false },
  observers: {
    expiresAt(iso) {
      this.setData({ expires: formatTime(iso) })
    },
    password() {
      this.setData({ copied: false })
    },
  },
  methods: {
    onCopy() {
      wx.setClipboardData({
        data: this.properties.password,
        success: () => this.setData({ copied: true }),
      })
    },
    onClose() {
      this.triggerEvent('close')
    },
  },
})
