/** My exams: status, window, best score; start (via face capture), resume, practice, results. */
const exams = require('../../../services/exam')
const { currentAttempt } = require('../../../services/exam-session')
const { run, formatTime } = require('../../../utils/ui')
const { requireLogin, go } = require('../../../utils/page')
const { rulesOf } = require('../../../utils/exam-rules')

const STATUS_TEXT = {
  not_available: '暂不能参加',
  available: '可参加',
  make_up_available: '可补考',
  in_progress: '作答中',
  passed: '已合格',
  failed: '不合格',
}

Component({
  data: { items: [], resumeRef: null, loading: false, error: '', offline: false },
  // The server knows an attempt in progress (attempt_ref) even when this phone forgot it.
  methods: {
    async onShow() {
      if (!requireLogin()) return
      this.setData({ resumeRef: currentAttempt() })
      const r = await run(this, () => exams.list(), { quiet: true })
      if (r.ok) {
        const running = r.result.find((e) => e.status === 'in_progress' && e.attempt_ref)
        this.setData({
          resumeRef: running ? running.attempt_ref : this.data.resumeRef,
          items: r.result.map((e) => ({
            ...e,
            title: e.title || exams.KIND_TEXT[e.exam_kind] || e.exam_kind,
            statusText: STATUS_TEXT[e.status] || '',
            // each section's pass mark and what a fail means, before the start (the server's marks)
            rules: rulesOf(e.pass_marks),
            windowText: e.window_closes_at ? `截止 ${formatTime(e.window_closes_at)}` : '',
            canStart: ['available', 'make_up_available'].includes(e.status),
          })),
        })
      }
    },
    onStart(e) {
      go(`/exam/pages/capture/index?kind=${e.currentTarget.dataset.kind}`)
    },
    onResume() {
      go(`/exam/pages/attempt/index?ref=${encodeURIComponent(this.data.resumeRef)}`)
    },
    onPractice() {
      go('/exam/pages/practice/index')
    },
    goResults: () => go('/exam/pages/results/index'),
  },
})
