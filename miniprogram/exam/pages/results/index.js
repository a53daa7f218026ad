/** My exam results. */
const exams = require('../../../services/exam')
const { run, formatTime } = require('../../../utils/ui')

Component({
  data: { items: [], highlight: '', loading: false, error: '' },
  methods: {
    async onLoad(query) {
      this.setData({ highlight: query && query.ref ? decodeURIComponent(query.ref) : '' })
      const r = await run(this, () => exams.results(), { quiet: true })
      if (r.ok) {
        this.setData({
          items: r.result.map((x) => ({
            ...x,
            title: exams.KIND_TEXT[x.exam_kind] || x.exam_kind,
            time: formatTime(x.submitted_at || x.scored_at),
            resultText: x.passed === null || x.passed === undefined ? '评分中' : x.passed ? '合格' : '不合格',
          })),
        })
      }
    },
  },
})
