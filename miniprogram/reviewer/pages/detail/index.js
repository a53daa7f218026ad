/**
 * One item: who applied, what they submitted (payload and attachments), the history, and the decision:
 * approve (optional comment), reject with reason, return for correction with reason. The version seen is
 * sent along, so a decision made meanwhile by a colleague is refused (ALREADY_DECIDED) instead of overwritten.
 */
const reviews = require('../../../services/reviews')
const { valueText } = require('../../../services/registration')
const { run, formatTime } = require('../../../utils/ui')
const { formMethods } = require('../../../utils/page')

// Payload field names as a reviewer reads them (unknown keys are shown as they are).
const FIELD_TEXT = {
  name: '姓名',
  real_name: '姓名',
  procedure: '考核程序',
  practice_scope: '执业范围',
  title: '职称',
  education: '学历',
  reason: '原因',
  note: '说明',
  // assessment payloads (server/assessment/service.py): enrolment, self-evaluation, exemption
  specialty: '报考专业',
  contact_phone: '联系电话',
  registry: '注册信息',
  practice: '执业注册',
  qualification: '医师资格',
  multi_sites: '多机构备案',
  institution_name: '机构',
  self_evaluation: '自评',
  practice_record: '执业行为记录',
  work_performance: '工作成绩',
  professional_ethics: '职业道德',
  work_report: '个人述职报告',
  simplified_conditions: '简易程序条件',
  category: '执业类别',
  level: '级别',
  practice_cert_no: '执业证书编码',
  practice_region_code: '执业地点',
  practice_scopes: '执业范围',
  department: '科室',
  filed_on: '备案日期',
  region_code: '行政区划',
  // registry info changes and applications
  school: '毕业学校',
  major: '专业',
  changes: '修改内容',
}
// Internal references a reviewer has no use for.
const HIDDEN_FIELDS = new Set(['cycle_id', 'user_id', 'institution_id', 'proof_id', 'qualification_id'])

Component({
  data: {
    id: null,
    item: null,
    fields: [],
    attachments: [],
    history: [],
    action: '', // '' | approve | reject | return
    reason: '',
    comment: '',
    loading: false,
    deciding: false,
    error: '',
  },
  methods: {
    ...formMethods,
    onLoad(query) {
      this.setData({ id: Number(query.id) })
      return this.reload()
    },

    async reload() {
      const r = await run(this, () => reviews.item(this.data.id), { quiet: true })
      if (!r.ok) return
      const item = r.result
      this.setData({
        item: {
          ...item,
          statusText: reviews.STATUS_TEXT[item.status] || item.status,
          submitted: formatTime(item.submitted_at),
        },
        fields: Object.keys(item.payload || {})
          .filter((k) => !HIDDEN_FIELDS.has(k))
          .map((k) => ({
            key: k,
            label: FIELD_TEXT[k] || k,
            value: show(valueText(k, item.payload[k])),
          })),
        attachments: (item.attachments || []).map((a, i) => ({
          index: i,
          name: reviews.attachmentName(a, i),
          raw: a,
          openable: Boolean(reviews.attachmentPath(a)),
        })),
        history: (item.history || []).map((h) => ({
          ...h,
          actionText: reviews.ACTION_TEXT[h.action] || h.action,
          time: formatTime(h.created_at),
        })),
      })
    },

    choose(e) {
      this.setData({ action: e.currentTarget.dataset.action, reason: '', comment: '', error: '' })
    },

    cancel() {
      this.setData({ action: '' })
    },

    async onDecide() {
      const { action, reason, comment, item } = this.data
      if ((action === 'reject' || action === 'return') && !reason.trim()) {
        this.setData({ error: '请填写原因' })
        return
      }
      const opts = { reason: reason.trim(), comment: comment.trim() || null, version: item.version }
      const call = {
        approve: () => reviews.approve(item.id, opts),
        reject: () => reviews.reject(item.id, opts),
        return: () => reviews.returnForCorrection(item.id, opts),
      }[action]
      const r = await run(this, call, {
        key: 'deciding',
        success: { approve: '已通过', reject: '已驳回', return: '已退回' }[action],
      })
      if (r.ok) {
        this.setData({ action: '' })
        wx.navigateBack()
      } else if (r.error.code === 'ALREADY_DECIDED') {
        await this.reload()
      }
    },

    /** Fetch the attachment with the reviewer's token; a photo is previewed, anything else opened (PDF). */
    async onPreview(e) {
      const a = this.data.attachments[e.currentTarget.dataset.index]
      if (!a || !a.openable) return
      const r = await run(this, () => reviews.downloadAttachment(a.raw), { key: 'opening' })
      if (!r.ok) return
      const filePath = r.result
      wx.getImageInfo({
        src: filePath,
        success: () => wx.previewImage({ urls: [filePath] }),
        fail: () => wx.openDocument({ filePath, fileType: 'pdf', showMenu: true }),
      })
    },
  },
})

function show(v) {
  if (v === null || v === undefined || v === '') return '—'
  if (Array.isArray(v)) return v.length ? v.map(show).join('、') : '—'
  if (typeof v === 'object') {
    if (v.label) return String(v.label) // {code, label}: the words, not the code
    return Object.keys(v)
      .filter((k) => !HIDDEN_FIELDS.has(k))
      .map((k) => `${FIELD_TEXT[k] || k}：${show(valueText(k, v[k]))}`)
      .join('；')
  }
  if (typeof v === 'boolean') return v ? '是' : '否'
  return String(v)
}
