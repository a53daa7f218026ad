/** My exams: status, window, best score; start (via face capture), resume, practice, results. */
const exams = require('../../../services/exam')
const { currentAttempt } = require('../../../services/exam-session')
const { run, formatTime } = require('../../../utils/ui')
const { requireLogin, go } = require('../../../utils/page')

const STATUS_TEXT = {
  not_open: '未开放',
  available: '可参加',
  in_progress: '作答中',
  passed: '已通过',
  failed: '未通过',
  make_up: '可补考',
  closed: '已结束',
}

Component({
  data: { items: [], resumeRef: null, loading: false, error: '' },
  methods: {
    async onShow() {
      if (!requireLogin()) return
      this.setData({ resumeRef: currentAttempt() })
      const r = await run(this, () => exams.list(), { quiet: true })
      if (r.ok) {
        this.setData({
          items: r.result.map((e) => ({
            ...e,
            title: e.title || exams.KIND_TEXT[e.kind] || e.kind,
            statusText: STATUS_TEXT[e.status] || e.status,
            windowText: e.window ? `${formatTime(e.window.opens_at)} 至 ${formatTime(e.window.closes_at)}` : '',
            canStart: ['available', 'make_up', 'failed'].includes(e.status),
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
    onPractice(e) {
      go(`/exam/pages/practice/index?kind=${e.currentTarget.dataset.kind}`)
    },
    goResults: () => go('/exam/pages/results/index'),
  },
})
