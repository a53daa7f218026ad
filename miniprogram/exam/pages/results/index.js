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
            title: x.title || exams.KIND_TEXT[x.exam_kind] || x.exam_kind,
            time: formatTime(x.ended_at || x.started_at),
            endText: { deadline: '到时自动交卷', law_gate: '法律法规部分未通过' }[x.end_reason] || '',
            // an attempt the office ruled invalid (a proctoring flag) does not count, whatever its score
            resultText:
              x.status === 'invalidated'
                ? '成绩无效'
                : x.passed === null || x.passed === undefined
                  ? '评分中'
                  : x.passed
                    ? '合格'
                    : '不合格',
          })),
        })
      }
    },
  },
})
