/** Practice mode: untimed, never scored; each answer is checked at once and the right one shown. */
const exams = require('../../../services/exam')
const { run } = require('../../../utils/ui')

Component({
  data: {
    kind: '',
    questions: [],
    index: 0,
    question: null,
    chosen: [],
    verdict: null,
    loading: false,
    checking: false,
    error: '',
  },
  methods: {
    async onLoad(query) {
      this.setData({ kind: query.kind })
      const r = await run(this, () => exams.practiceQuestions({}), { quiet: true })
      if (r.ok) {
        this.setData({ questions: r.result })
        this.show(0)
      }
    },
    show(i) {
      const q = this.data.questions[i]
      this.setData({
        index: i,
        question: q ? { ...q, options: q.options.map((o) => ({ ...o, checked: false })) } : null,
        chosen: [],
        verdict: null,
      })
    },
    onSelect(e) {
      if (this.data.verdict) return
      const id = e.currentTarget.dataset.id
      const q = this.data.question
      const chosen =
        q.type === 'multiple'
          ? this.data.chosen.includes(id)
            ? this.data.chosen.filter((x) => x !== id)
            : this.data.chosen.concat(id)
          : [id]
      this.setData({
        chosen,
        'question.options': q.options.map((o) => ({ ...o, checked: chosen.includes(o.option_id) })),
      })
    },
    async onCheck() {
      if (!this.data.chosen.length) return
      const r = await run(this, () => exams.checkPractice(this.data.question.question_ref, this.data.chosen), {
        key: 'checking',
      })
      if (r.ok) this.setData({ verdict: r.result })
    },
    onNext() {
      if (this.data.index + 1 < this.data.questions.length) this.show(this.data.index + 1)
    },
  },
})
