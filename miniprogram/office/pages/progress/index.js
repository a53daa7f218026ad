/**
 * Progress: per physician (filter by step, including not bound / not enrolled / not examined, and by
 * institution; paged), the per-institution summary, the same list as Excel, and a reminder to the filtered group.
 */
const office = require('../../../services/office')
const { run, confirm } = require('../../../utils/ui')
const { requireLogin } = require('../../../utils/page')

const SUMMARY_STEPS = ['not_bound', 'not_enrolled', 'exams', 'passed']
const SUMMARY_HEADS = ['未绑定', '未报名', '待测评', '合格']

Component({
  data: {
    steps: [{ step: '', label: '全部' }].concat(office.STEPS),
    step: '',
    institutions: [],
    institutionId: null,
    institutionName: '',
    showInstitutions: false,
    name: '',
    cycleName: '',
    summary: [],
    summaryHeads: SUMMARY_HEADS,
    people: [],
    total: 0,
    nextCursor: null,
    canRemind: false,
    reminder: null,
    loading: false,
    loadingMore: false,
    exporting: false,
    reminding: false,
    remindError: '',
    error: '',
    offline: false,
    ready: false,
  },
  methods: {
    onLoad(query) {
      const step = query && office.STEPS.some((s) => s.step === query.step) ? query.step : ''
      this.setData({ step, canRemind: remindable(step) })
    },

    onShow() {
      if (!requireLogin()) return undefined
      return this.reload()
    },

    async onPullDownRefresh() {
      await this.reload()
      wx.stopPullDownRefresh()
    },

    onReachBottom() {
      return this.loadMore()
    },

    filters() {
      return { step: this.data.step || null, institutionId: this.data.institutionId, name: this.data.name || null }
    },

    async reload() {
      const r = await run(this, () => Promise.all([office.progress(), office.people(this.filters())]), { quiet: true })
      if (!r.ok) {
        this.setData({ ready: false })
        return
      }
      const [summary, page] = r.result
      this.setData({
        ready: true,
        cycleName: summary.cycle.name,
        institutions: summary.items.map((row) => ({ id: row.institution_id, name: row.institution_name })),
        summary: summary.items.map((row) => ({
          id: row.institution_id,
          name: row.institution_name,
          total: row.total,
          values: SUMMARY_STEPS.map((s) => row.counts[s] || 0),
        })),
        people: page.items.map(view),
        total: page.total,
        nextCursor: page.next_cursor === undefined ? null : page.next_cursor,
      })
    },

    async reloadPeople() {
      const r = await run(this, () => office.people(this.filters()), { quiet: true })
      if (r.ok)
        this.setData({
          people: r.result.items.map(view),
          total: r.result.total,
          nextCursor: r.result.next_cursor === undefined ? null : r.result.next_cursor,
        })
    },

    async loadMore() {
      if (this.data.nextCursor === null || this.data.loadingMore) return
      const r = await run(this, () => office.people({ ...this.filters(), cursor: this.data.nextCursor }), {
        key: 'loadingMore',
      })
      if (r.ok)
        this.setData({
          people: this.data.people.concat(r.result.items.map(view)),
          nextCursor: r.result.next_cursor === undefined ? null : r.result.next_cursor,
        })
    },

    onStep(e) {
      const step = e.currentTarget.dataset.step
      this.setData({ step, canRemind: remindable(step), reminder: null, remindError: '' })
      return this.reloadPeople()
    },

    onNameInput(e) {
      this.setData({ name: e.detail.value })
    },

    onSearch() {
      this.setData({ reminder: null, remindError: '' })
      return this.reloadPeople()
    },

    onClearName() {
      this.setData({ name: '', reminder: null, remindError: '' })
      return this.reloadPeople()
    },

    toggleInstitutions() {
      this.setData({ showInstitutions: !this.data.showInstitutions })
    },

    onInstitution(e) {
      const id = e.currentTarget.dataset.id || null
      const found = this.data.institutions.find((i) => i.id === id)
      this.setData({
        institutionId: id,
        institutionName: found ? found.name : '',
        showInstitutions: false,
        reminder: null,
        remindError: '',
      })
      return this.reloadPeople()
    },

    async onExport() {
      const r = await run(this, () => office.peopleXlsx(this.filters()), { key: 'exporting' })
      if (!r.ok) return
      try {
        await office.openFile(r.result, 'xlsx')
      } catch (e) {
        this.setData({ error: '文件已下载，但无法打开，请在电脑版微信中重试' })
      }
    },

    async onRemind() {
      if (!this.data.canRemind || this.data.reminding) return
      const label = office.STEPS.find((s) => s.step === this.data.step).label
      const where = this.data.institutionName || '本辖区'
      const named = this.data.name ? `、姓名含“${this.data.name}”` : ''
      const ok = await confirm({
        title: '发送催办提醒',
        content: `向${where}「${label}」${named}的 ${this.data.total} 位医师发送提醒？每人每天至多提醒一次。`,
        confirmText: '发送',
      })
      if (!ok) return
      const r = await run(this, () => office.remind(this.filters()), { key: 'reminding', errorKey: 'remindError' })
      if (r.ok) {
        const x = r.result
        this.setData({
          reminder: {
            sent: x.sent,
            already: x.already_today,
            noAccount: x.no_account,
            matched: x.matched,
          },
        })
      }
    },
  },
})

function remindable(step) {
  const found = office.STEPS.find((s) => s.step === step)
  return Boolean(found && found.remind)
}

function view(p, i) {
  return {
    key: `${p.institution_id}-${p.account_id || ''}-${p.assessment_id || ''}-${p.id_number_masked}-${i}`,
    name: p.name,
    idNumber: p.id_number_masked,
    institution: p.institution_name,
    stepLabel: p.step_label,
    notes: [p.registered ? '' : '不在册', p.hidden ? '账号已隐藏' : ''].filter(Boolean).join(' · '),
  }
}
