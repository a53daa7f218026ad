/**
 * One item: who applied, what they submitted (payload, files, attachments), the history, and the decision bar
 * fixed at the bottom: 通过, 退回修改, 不通过 (red; both need a reason). The version seen is sent along, so a
 * decision made meanwhile by a colleague is refused (ALREADY_DECIDED) instead of overwritten. After a
 * decision, 下一条 opens the next item of the queue (or back to the queue when none is left).
 * Files come with the reviewer's token (wx.downloadFile): images shown inline (a photo change: the current
 * and the new photo side by side), PDFs opened with wx.openDocument; an application has 打印申请表.
 */
const reviews = require('../../../services/reviews')
const { valueText } = require('../../../services/registration')
const { run, formatTime } = require('../../../utils/ui')
const { formMethods } = require('../../../utils/page')
const { messageOf } = require('../../../utils/errors')

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
// Coded values of the assessment payloads, in words
const CODE_TEXT = {
  procedure: { general: '一般程序', simplified: '简易程序' },
}
const words = (key, value) => (CODE_TEXT[key] && CODE_TEXT[key][value]) || valueText(key, value)

// Internal references a reviewer has no use for.
const HIDDEN_FIELDS = new Set([
  'cycle_id',
  'user_id',
  'institution_id',
  'proof_id',
  'qualification_id',
  'application_id',
  'request_id',
  'registration_id',
  'id',
  'kind',
  'kind_title',
  'files',
  'attachments',
  'form_url',
  'region_code',
  'url',
])

Component({
  data: {
    id: null,
    queueKind: '',
    item: null,
    fields: [],
    attachments: [],
    images: [],
    photoPair: null,
    documents: [],
    formApplicationId: null,
    history: [],
    action: '', // '' | approve | reject | return
    reason: '',
    comment: '',
    decided: '',
    loading: false,
    deciding: false,
    opening: false,
    nexting: false,
    error: '',
    decideError: '',
    fileError: '',
    offline: false,
  },
  methods: {
    ...formMethods,
    onLoad(query) {
      this.setData({ id: Number(query.id), queueKind: query.kind || '' })
      return this.reload()
    },

    async reload() {
      const r = await run(this, () => reviews.item(this.data.id), { quiet: true })
      if (!r.ok) return
      const item = r.result
      const files = (item.files || []).map((f, i) => ({ ...f, index: i }))
      const byRole = (role) => files.find((f) => f.role === role)
      const newPhoto = byRole('new_photo')
      const photoPair = newPhoto ? { current: byRole('current_photo') || null, next: newPhoto } : null
      const inPair = (f) => photoPair && (f === photoPair.next || f === photoPair.current)
      const form = byRole('form')
      this.setData({
        item: {
          ...item,
          statusText: reviews.STATUS_TEXT[item.status] || '待审核',
          submitted: formatTime(item.submitted_at),
        },
        fields: Object.keys(item.payload || {})
          .filter((k) => !HIDDEN_FIELDS.has(k))
          .map((k) => ({
            key: k,
            label: FIELD_TEXT[k] || k,
            value: show(words(k, item.payload[k])),
          })),
        photoPair,
        images: files.filter((f) => reviews.isImage(f) && !inPair(f)),
        documents: files.filter((f) => !reviews.isImage(f) && f.role !== 'form'),
        formApplicationId: form ? applicationIdOf(item, form) : null,
        // Attachments the files do not already cover (assessment proofs {proof_id}); one with nothing to fetch
        // is named, not offered as if it opened.
        attachments: files.length
          ? []
          : (item.attachments || []).map((a, i) => ({
              index: i,
              name: reviews.attachmentName(a, i),
              raw: a,
              openable: Boolean(reviews.attachmentPath(a)),
            })),
        history: (item.history || []).map((h) => ({
          ...h,
          actionText: reviews.ACTION_TEXT[h.action] || '处理',
          time: formatTime(h.created_at),
        })),
      })
      await this.loadImages()
    },

    /** Fetch every inline image (the photo pair, image attachments) with the token; each shows when it arrives. */
    async loadImages() {
      const { photoPair, images } = this.data
      const jobs = []
      const fetch = (file, key) =>
        reviews.downloadFile(file).then(
          (src) => this.setData({ [key]: src }),
          (err) => this.setData({ [key.replace(/src$/, 'error')]: messageOf(err) }),
        )
      if (photoPair) {
        jobs.push(fetch(photoPair.next, 'photoPair.next.src'))
        if (photoPair.current) jobs.push(fetch(photoPair.current, 'photoPair.current.src'))
      }
      images.forEach((f, i) => jobs.push(fetch(f, `images[${i}].src`)))
      await Promise.all(jobs)
    },

    onPreviewImage(e) {
      const src = e.currentTarget.dataset.src
      if (src) wx.previewImage({ urls: [src], current: src })
    },

    async onOpenDocument(e) {
      const file = this.data.documents[e.currentTarget.dataset.index]
      if (!file || this.data.opening) return
      await run(
        this,
        async () => {
          const path = await reviews.downloadFile(file)
          if (reviews.isPdf(file)) await reviews.openPdf(path)
          else wx.previewImage({ urls: [path] })
        },
        { key: 'opening', errorKey: 'fileError' },
      )
    },

    async onPrintForm() {
      if (this.data.opening) return
      await run(this, () => reviews.openApplicationForm(this.data.formApplicationId), {
        key: 'opening',
        errorKey: 'fileError',
      })
    },

    choose(e) {
      this.setData({ action: e.currentTarget.dataset.action, reason: '', comment: '', decideError: '' })
    },

    cancel() {
      this.setData({ action: '', decideError: '' })
    },

    async onDecide() {
      const { action, reason, comment, item, deciding } = this.data
      if (deciding) return
      if ((action === 'reject' || action === 'return') && !reason.trim()) {
        this.setData({ decideError: action === 'return' ? '请填写需要修改的内容' : '请填写不通过的原因' })
        return
      }
      const opts = { reason: reason.trim(), comment: comment.trim() || null, version: item.version }
      const call = {
        approve: () => reviews.approve(item.id, opts),
        reject: () => reviews.reject(item.id, opts),
        return: () => reviews.returnForCorrection(item.id, opts),
      }[action]
      const done = { approve: '已通过', reject: '已驳回', return: '已退回' }[action]
      const r = await run(this, call, { key: 'deciding', errorKey: 'decideError', success: done })
      if (r.ok) {
        this.setData({ action: '', decided: done })
      } else if (r.error.code === 'ALREADY_DECIDED') {
        this.setData({ action: '' })
        await this.reload()
      }
    },

    /** The next item of the queue (same kind as the queue showed), or back to the queue when none is left. */
    async onNext() {
      if (this.data.nexting) return
      const r = await run(this, () => reviews.queue({ kind: this.data.queueKind || undefined, limit: 5 }), {
        key: 'nexting',
        errorKey: 'decideError',
      })
      if (!r.ok) return
      const next = r.result.items.find((i) => i.id !== this.data.id)
      if (!next) {
        wx.showToast({ title: '队列中已没有待审核事项', icon: 'none' })
        wx.navigateBack()
        return
      }
      const kind = this.data.queueKind ? `&kind=${encodeURIComponent(this.data.queueKind)}` : ''
      wx.redirectTo({ url: `/reviewer/pages/detail/index?id=${next.id}${kind}` })
    },

    backToQueue() {
      wx.navigateBack()
    },

    /** Fetch an assessment proof with the reviewer's token: a photo is previewed, anything else opened (PDF). */
    async onPreview(e) {
      const a = this.data.attachments[e.currentTarget.dataset.index]
      if (!a || !a.openable) return
      const r = await run(this, () => reviews.downloadAttachment(a.raw), { key: 'opening', errorKey: 'fileError' })
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

/** The application a form link belongs to (/registry/applications/{id}/form.pdf), else the payload's id. */
function applicationIdOf(item, form) {
  const m = /\/registry\/applications\/(\d+)\/form\.pdf/.exec(form.href || '')
  if (m) return Number(m[1])
  return (item.payload && item.payload.application_id) || Number(item.subject_id)
}

function show(v) {
  if (v === null || v === undefined || v === '') return '—'
  if (Array.isArray(v)) return v.length ? v.map(show).join('、') : '—'
  if (typeof v === 'object') {
    if (v.label) return String(v.label) // {code, label}: the words, not the code
    return Object.keys(v)
      .filter((k) => !HIDDEN_FIELDS.has(k))
      .map((k) => `${FIELD_TEXT[k] || k}：${show(words(k, v[k]))}`)
      .join('；')
  }
  if (typeof v === 'boolean') return v ? '是' : '否'
  return String(v)
}
