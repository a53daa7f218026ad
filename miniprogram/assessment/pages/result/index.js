/**
 * Results: this cycle's and the past two cycles', each with its status per practice site (main institution
 * first), the scores, the result notice (PDF) and 成绩有问题 (an appeal) while the appeal period runs, with the
 * appeals already made and their decisions.
 */
const assessment = require('../../../services/assessment')
const { run, formatTime } = require('../../../utils/ui')
const { go } = require('../../../utils/page')

const score = (v) => (v === null || v === undefined ? '' : `${v} 分`)

function view(c) {
  const appeal = c.appeal || { allowed: false, items: [] }
  return {
    id: c.assessment_id,
    cycleName: (c.cycle && c.cycle.name) || '',
    current: Boolean(c.is_current),
    resultText: c.result_label || (c.result ? '' : '尚未出结果'),
    statusText: c.status_label || '',
    passed: c.result === 'passed',
    specialty: c.specialty || '',
    scores: [
      ['业务水平测评', score(c.professional_score)],
      ['人文医学测评', score(c.humanities_score)],
    ]
      .filter(([, v]) => v)
      .map(([label, value]) => ({ label, value })),
    verification: c.verification_code || '',
    noticeUrl: c.notice_url || '',
    sites: (c.sites || []).map((s) => ({
      name: s.institution_name,
      place: s.region_name || '',
      status: s.status_label,
      main: Boolean(s.is_main),
    })),
    canAppeal: Boolean(appeal.allowed),
    appealDeadline: appeal.deadline ? formatTime(appeal.deadline) : '',
    appeals: (appeal.items || []).map((a) => ({
      id: a.id,
      status: a.status_label,
      note: a.decision_note || '',
      time: formatTime(a.created_at),
    })),
  }
}

Component({
  data: { cycles: [], loading: false, opening: false, error: '', offline: false },
  methods: {
    async onShow() {
      const r = await run(this, () => assessment.results(), { quiet: true })
      if (r.ok) this.setData({ cycles: r.result.map(view) })
    },
    async onNotice(e) {
      const url = e.currentTarget.dataset.url
      await run(this, () => assessment.openNotice(url), { key: 'opening' })
    },
    onAppeal(e) {
      const c = this.data.cycles.find((x) => x.id === e.currentTarget.dataset.id)
      go(`/assessment/pages/appeal/index?id=${c.id}&cycle=${encodeURIComponent(c.cycleName)}`)
    },
    onAppealDetail(e) {
      go(`/assessment/pages/appeal/index?appeal=${e.currentTarget.dataset.id}`)
    },
  },
})
