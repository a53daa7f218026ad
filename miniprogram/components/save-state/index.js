/** The exam's answer-saving state, always visible: 已保存 / 保存中 / 离线（联网后自动保存） / 已结束 / 保存失败. */
const TEXT = {
  saved: '已保存',
  saving: '保存中…',
  offline: '网络已断开，答案保存在本机，联网后自动提交',
  closed: '考试已结束，答案不再保存',
  error: '有答案未能保存',
}

Component({
  properties: {
    state: { type: String, value: 'saved' },
    pendingCount: { type: Number, value: 0 },
    message: { type: String, value: '' },
  },
  data: { text: TEXT.saved },
  observers: {
    'state, pendingCount, message': function (state, pending, message) {
      let text = TEXT[state] || TEXT.saved
      if (state === 'offline' && pending) text = `${text}（${pending} 题待保存）`
      if (state === 'error' && message) text = `${text}：${message}`
      this.setData({ text })
    },
  },
})
