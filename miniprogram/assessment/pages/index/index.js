/** Assessment home: binding (when not yet bound), where I stand (current step, next action), the steps. */
const assessment = require('../../../services/assessment')
const { run } = require('../../../utils/ui')
const { requireLogin, go, formMethods } = require('../../../utils/page')

// The steps a physician walks through, in order (the server's current_step names).
const STEPS = [
  { key: 'user_notice', title: '用户告知书', page: 'notice' },
  { key: 'enrolment', title: '信息确认（报名）', page: 'enrolment' },
  { key: 'enrolment_review', title: '报名审核', page: null },
  { key: 'procedure', title: '选择考核程序', page: 'procedure' },
  { key: 'self_evaluation', title: '自评与述职', page: 'self-evaluation' },
  { key: 'self_evaluation_review', title: '自评审核', page: null },
  { key: 'professional_exam', title: '业务水平测评 / 免考申请', page: 'exam' },
  { key: 'humanities_exam', title: '人文医学测评', page: 'exam' },
  { key: 'result', title: '考核结果', page: 'result' },
]
const ALIASES = { professional_make_up: 'professional_exam', exemption_review: 'professional_exam' }

function stepsFor(current) {
  const here = STEPS.findIndex((s) => s.key === (ALIASES[current] || current))
  return STEPS.map((s, i) => ({
    ...s,
    state: here < 0 ? 'locked' : i < here ? 'done' : i === here ? 'current' : 'locked',
    stateText: here < 0 ? '' : i < here ? '已完成' : i === here ? '进行中' : '未开始',
  }))
}

Component({
  data: {
    home: null,
    steps: [],
    bound: true,
    provinceCode: '110000',
    idNumber: '',
    name: '',
    credential: '',
    newPassword: '',
    loading: false,
    binding: false,
    error: '',
  },
  methods: {
    ...formMethods,
    async onShow() {
      if (!requireLogin()) return
      const r = await run(this, () => assessment.home(), { quiet: true })
      if (!r.ok) return
      const home = r.result
      this.setData({ home, bound: home.bound !== false, steps: stepsFor(home.current_step) })
    },
    async onBind() {
      const { provinceCode, idNumber, name, credential, newPassword } = this.data
      if (!idNumber || !name || !credential || !newPassword) return this.setData({ error: '请填写全部绑定信息' })
      const r = await run(
        this,
        () => assessment.bind({ provinceCode, idNumber: idNumber.toUpperCase(), name, credential, newPassword }),
        { key: 'binding', success: '已绑定，请用新密码登录' },
      )
      if (r.ok) await this.onShow()
      return undefined
    },
    onStep(e) {
      const { page, state } = e.currentTarget.dataset
      if (!page || state === 'locked') return
      if (page === 'exam') go('/exam/pages/index/index')
      else go(`/assessment/pages/${page}/index`)
    },
    onExemption() {
      go('/assessment/pages/exemption/index')
    },
  },
})

module.exports = { stepsFor }
