/**
 * The non-face way into an exam: ask the assessment office to confirm my identity in person or by video call
 * (for those who decline the face comparison, cannot be matched, or have no usable ID photo). Once the office has
 * approved it, an exam starts here without a face capture until the confirmation's date.
 */
const proctoring = require('../../../services/proctoring')
const { run, formatTime } = require('../../../utils/ui')

const REASONS = [
  { value: 'declined', label: '不同意人脸比对' },
  { value: 'unmatched', label: '多次采集仍与证件照不一致' },
  { value: 'no_photo', label: '没有可用的证件照' },
  { value: 'other', label: '其他原因' },
]
const STATUS = {
  pending: '待考核机构核验',
  approved: '已核验',
  rejected: '未通过',
  returned: '已退回，请重新申请',
  withdrawn: '已撤回',
}

function view(item) {
  const valid = item.status === 'approved' && item.valid_until && Date.parse(item.valid_until) > Date.now()
  return {
    id: item.id,
    reason: item.reason_label,
    note: item.note,
    status: STATUS[item.status] || '处理中',
    time: formatTime(item.created_at),
    validUntil: valid ? formatTime(item.valid_until) : '',
    valid,
  }
}

Component({
  data: {
    reasons: REASONS,
    reason: 'declined',
    note: '',
    items: [],
    pending: false,
    valid: null,
    kind: '',
    loaded: false,
    loading: false,
    error: '',
  },
  methods: {
    async onLoad(query) {
      if (query && query.kind) this.setData({ kind: query.kind })
      const r = await run(this, () => proctoring.identityChecks(), { quiet: true })
      if (!r.ok) return
      const items = (r.result.items || []).map(view)
      this.setData({
        items,
        loaded: true,
        pending: items.some((i) => i.status === STATUS.pending),
        valid: items.find((i) => i.valid) || null,
      })
    },
    onReason(e) {
      this.setData({ reason: e.detail.value })
    },
    onNote(e) {
      this.setData({ note: e.detail.value })
    },
    async onSubmit() {
      const r = await run(
        this,
        () => proctoring.requestIdentityCheck({ reason: this.data.reason, note: this.data.note }),
        {
          success: '已提交，请等待考核机构联系您',
        },
      )
      if (r.ok) await this.onLoad({ kind: this.data.kind })
    },
    /** Approved: the exam starts without a capture (the server records the way it was started). */
    onStartWithoutFace() {
      const kind = this.data.kind || 'humanities'
      wx.redirectTo({ url: `/exam/pages/attempt/index?kind=${kind}&capture=` })
    },
  },
})
