/** Assessment home: binding (when not yet bound), the steps and where I stand, links to each step. */
const assessment = require('../../../services/assessment')
const { run } = require('../../../utils/ui')
const { requireLogin, go, formMethods } = require('../../../utils/page')

const STEPS = [
  { key: 'notice', title: '用户告知书', page: 'notice' },
  { key: 'enrolment', title: '信息确认（报名）', page: 'enrolment' },
  { key: 'procedure', title: '选择考核程序', page: 'procedure' },
  { key: 'self_evaluation', title: '自评与述职', page: 'self-evaluation' },
  { key: 'exemption', title: '免考申请（可选）', page: 'exemption' },
  { key: 'exam', title: '在线测评', page: null },
  { key: 'result', title: '考核结果', page: 'result' },
]

Component({
  data: { home: null, steps: [], bound: true, assessmentNo: '', loading: false, binding: false, error: '' },
  methods: {
    ...formMethods,
    async onShow() {
      if (!requireLogin()) return
      const r = await run(this, () => assessment.home(), { quiet: true })
      if (!r.ok) return
      const home = r.result
      const states = home.steps || {}
      this.setData({
        home,
        bound: home.bound !== false,
        steps: STEPS.map((s) => ({ ...s, state: states[s.key] || 'todo', stateText: stateText(states[s.key]) })),
      })
    },
    async onBind() {
      const r = await run(this, () => assessment.bind({ assessment_no: this.data.assessmentNo.trim() || undefined }), {
        key: 'binding',
        success: '已绑定',
      })
      if (r.ok) this.onShow()
    },
    onStep(e) {
      const page = e.currentTarget.dataset.page
      if (page) go(`/assessment/pages/${page}/index`)
      else go('/exam/pages/index/index')
    },
  },
})

function stateText(s) {
  return (
    { done: '已完成', pending: '审核中', returned: '需修改', rejected: '未通过', todo: '待办理', locked: '未开放' }[
      s || 'todo'
    ] || s
  )
}
