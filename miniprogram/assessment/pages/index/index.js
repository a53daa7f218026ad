/** Assessment home: binding (when not yet bound), where I stand (current step, next action), the steps. */
const assessment = require('../../../services/assessment')
const { run } = require('../../../utils/ui')
const { requireLogin, go, formMethods } = require('../../../utils/page')
const lookups = require('../../../services/lookups')
const { documentProblem, normalise } = require('../../../utils/identity')

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
    provinceCode: '',
    docTypes: lookups.DOCUMENT_TYPES,
    idType: 'resident_id',
    idHint: lookups.DOCUMENT_TYPES[0].hint,
    idNumber: '',
    errors: {},
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
      if (home.bound === false) {
        const types = await lookups.documentTypes().catch(() => null)
        if (types && types.length) this.setData({ docTypes: types })
      }
    },
    onProvince(e) {
      this.setData({ provinceCode: e.detail.code, 'errors.provinceCode': '' })
    },
    onType(e) {
      const idType = e.currentTarget.dataset.code
      const t = this.data.docTypes.find((d) => d.code === idType)
      this.setData({ idType, idHint: (t && t.hint) || '', 'errors.idNumber': '' })
    },
    async onBind() {
      const { provinceCode, idType, name, credential, newPassword } = this.data
      const idNumber = normalise(this.data.idNumber)
      const errors = {}
      if (!provinceCode) errors.provinceCode = '请选择考核所在省份'
      if (!name.trim()) errors.name = '请输入姓名'
      const doc = documentProblem(idType, idNumber)
      if (doc) errors.idNumber = doc
      if (!credential) errors.credential = '请输入单位或考核机构发放的初始密码'
      if (!newPassword) errors.newPassword = '请设置新的登录密码'
      if (Object.keys(errors).length) return this.setData({ errors, error: '' })
      this.setData({ errors: {} })
      const r = await run(
        this,
        () => assessment.bind({ provinceCode, idType, idNumber, name: name.trim(), credential, newPassword }),
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
