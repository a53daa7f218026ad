/**
 * 成绩有问题: state the problem (≤ 1000 字), attach one file if it helps (PDF/JPG/PNG, ≤ 4 MB, shown before
 * choosing), send it to the assessment office; then see where it stands and the office's decision.
 * Opened with ?id=<assessment_id> to file one, or ?appeal=<id> to see one.
 */
const assessment = require('../../../services/assessment')
const { run, formatTime, toast } = require('../../../utils/ui')

const MAX_BYTES = 4 * 1024 * 1024
const TYPES = ['pdf', 'jpg', 'jpeg', 'png']
const RULES = ['可附 1 个文件：PDF、JPG 或 PNG', '文件不超过 4 MB', '申诉内容不超过 1000 字']

function appealView(a) {
  return {
    id: a.id,
    cycle: a.cycle_name,
    reason: a.reason,
    status: a.status_label,
    decided: Boolean(a.decided_at),
    decidedAt: a.decided_at ? formatTime(a.decided_at) : '',
    note: a.decision_note || '',
    fileName: a.file_name || '',
    time: formatTime(a.created_at),
  }
}

Component({
  data: {
    assessmentId: null,
    cycle: '',
    reason: '',
    file: null,
    progress: 0,
    rules: RULES,
    appeal: null,
    errors: {},
    loading: false,
    error: '',
  },
  methods: {
    async onLoad(query) {
      if (query.appeal) {
        const r = await run(this, () => assessment.appeal(query.appeal), { quiet: true })
        if (r.ok) this.setData({ appeal: appealView(r.result) })
        return
      }
      this.setData({ assessmentId: Number(query.id), cycle: decodeURIComponent(query.cycle || '') })
    },
    onReason(e) {
      this.setData({ reason: e.detail.value, 'errors.reason': '' })
    },
    onChooseFile() {
      wx.chooseMessageFile({
        count: 1,
        type: 'file',
        extension: TYPES,
        success: (r) => {
          const f = r.tempFiles[0]
          const ext = String(f.name || f.path)
            .split('.')
            .pop()
            .toLowerCase()
          let problem = ''
          if (!TYPES.includes(ext)) problem = '只能上传 PDF、JPG 或 PNG 文件'
          else if (f.size > MAX_BYTES) problem = `文件超过 4 MB（${(f.size / 1048576).toFixed(1)} MB）`
          if (problem) {
            toast(problem)
            this.setData({ 'errors.file': problem })
            return
          }
          this.setData({ file: { path: f.path, name: f.name, size: f.size }, 'errors.file': '' })
        },
      })
    },
    onRemoveFile() {
      this.setData({ file: null, progress: 0 })
    },
    async onSubmit() {
      const reason = this.data.reason.trim()
      if (!reason) return this.setData({ errors: { reason: '请写明成绩有什么问题' } })
      if (reason.length > 1000) return this.setData({ errors: { reason: '申诉内容不超过 1000 字' } })
      const f = this.data.file
      const r = await run(
        this,
        () =>
          assessment.fileAppeal({
            assessmentId: this.data.assessmentId,
            reason,
            filePath: f ? f.path : null,
            onProgress: (p) => this.setData({ progress: p }),
          }),
        { success: '已提交申诉' },
      )
      if (r.ok) this.setData({ appeal: appealView(r.result) })
      else if (r.error.field === 'reason') this.setData({ 'errors.reason': r.message })
      return undefined
    },
    onBack() {
      wx.navigateBack()
    },
  },
})
