/** Time left, as the server counts it: the page passes milliseconds computed from deadline_at and server_time. */
function format(ms) {
  if (ms === null || ms === undefined || ms < 0) return '--:--'
  const total = Math.ceil(ms / 1000)
  const h = Math.floor(total / 3600)
  const m = Math.floor((total % 3600) / 60)
  const s = total % 60
  const p = (n) => String(n).padStart(2, '0')
  return h ? `${h}:${p(m)}:${p(s)}` : `${p(m)}:${p(s)}`
}

Component({
  properties: {
    ms: { type: Number, value: -1 },
    warnBelowMs: { type: Number, value: 5 * 60 * 1000 },
  },
  data: { text: '--:--', warn: false },
  observers: {
    ms(ms) {
      this.setData({ text: format(ms), warn: ms >= 0 && ms < this.data.warnBelowMs })
    },
  },
})

module.exports = { format }
