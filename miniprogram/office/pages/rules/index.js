/**
 * Pass marks (the one source candidates see and are scored by), per specialty where set; the exam rules
 * (sections, question counts, time); and whether the bank can fill every specialty's paper, in words.
 */
const office = require('../../../services/office')
const { run } = require('../../../utils/ui')
const { requireLogin } = require('../../../utils/page')

Component({
  data: {
    cycleName: '',
    setByOffice: false,
    lawPassMark: '',
    professional: '',
    humanities: '',
    specialties: [],
    definitions: [],
    readiness: null,
    marksError: '',
    savingMarks: false,
    definitionError: '',
    savingDefinition: false,
    loading: false,
    error: '',
    offline: false,
    ready: false,
  },
  methods: {
    onShow() {
      if (!requireLogin()) return undefined
      return this.reload()
    },

    async reload() {
      const r = await run(
        this,
        () => Promise.all([office.rules(), office.definitions(), office.readiness(), office.specialties()]),
        { quiet: true },
      )
      if (!r.ok) {
        this.setData({ ready: false })
        return
      }
      const [rules, defs, ready, specialties] = r.result
      this.rules = rules
      this.defs = defs.items
      const bySpecialty = rules.professional_pass_marks_by_specialty || {}
      this.setData({
        ready: true,
        cycleName: rules.cycle.name,
        setByOffice: rules.set_by_office,
        lawPassMark: String(rules.law_pass_mark),
        professional: String(rules.professional_pass_mark),
        humanities: String(rules.humanities_pass_mark),
        specialties: specialties.map((s) => ({
          code: s.code,
          name: s.name,
          mark: bySpecialty[s.code] === undefined ? '' : String(bySpecialty[s.code]),
        })),
        definitions: defs.items.map(viewDefinition),
        readiness: viewReadiness(ready),
      })
    },

    onField(e) {
      this.setData({ [e.currentTarget.dataset.field]: e.detail.value, marksError: '' })
    },

    onSpecialty(e) {
      const i = e.currentTarget.dataset.index
      this.setData({ [`specialties[${i}].mark`]: e.detail.value, marksError: '' })
    },

    async onSaveMarks() {
      const professional = mark(this.data.professional)
      const humanities = mark(this.data.humanities)
      if (professional === null || humanities === null) {
        this.setData({ marksError: '分数线应为 0 到 100 之间的数' })
        return
      }
      const bySpecialty = {}
      let bad = ''
      this.data.specialties.forEach((s) => {
        if (String(s.mark).trim() === '') return
        const m = mark(s.mark)
        if (m === null) bad = s.name
        else bySpecialty[s.code] = m
      })
      if (bad) {
        this.setData({ marksError: `${bad}的分数线应为 0 到 100 之间的数` })
        return
      }
      const r = await run(
        this,
        () => office.setRules({ professional, humanities, bySpecialty, cycleId: this.rules.cycle.id }),
        { key: 'savingMarks', errorKey: 'marksError', success: '分数线已保存' },
      )
      if (r.ok) await this.reload()
    },

    onDefinitionField(e) {
      const { d, s, field } = e.currentTarget.dataset
      const path = s === undefined ? `definitions[${d}].${field}` : `definitions[${d}].sections[${s}].${field}`
      this.setData({ [path]: e.detail.value, definitionError: '' })
    },

    onCount(e) {
      const { d, s, t } = e.currentTarget.dataset
      this.setData({ [`definitions[${d}].sections[${s}].counts[${t}].value`]: e.detail.value, definitionError: '' })
    },

    async onSaveDefinition(e) {
      const d = e.currentTarget.dataset.d
      const edited = this.data.definitions[d]
      const original = this.defs[d]
      const duration = Number(edited.duration)
      if (!Number.isInteger(duration) || duration < 1 || duration > 600) {
        this.setData({ definitionError: '考试时长应为 1 到 600 分钟' })
        return
      }
      let bad = false
      const sections = original.sections.map((sec, si) => {
        const ev = edited.sections[si]
        const counts = {}
        ev.counts.forEach((c) => {
          const n = Number(c.value)
          if (!Number.isInteger(n) || n < 0) bad = true
          counts[c.type] = n
        })
        const pass = mark(ev.passMark)
        if (pass === null) bad = true
        return { ...sec, counts, pass_mark: pass }
      })
      if (bad) {
        this.setData({ definitionError: '题量应为不小于 0 的整数，合格分应为 0 到 100 之间的数' })
        return
      }
      const r = await run(this, () => office.setDefinition({ ...original, duration_minutes: duration, sections }), {
        key: 'savingDefinition',
        errorKey: 'definitionError',
        success: '试卷规则已保存',
      })
      if (r.ok) await this.reload()
    },
  },
})

function mark(value) {
  const text = String(value === undefined || value === null ? '' : value).trim()
  if (text === '') return null
  const n = Number(text)
  return Number.isFinite(n) && n >= 0 && n <= 100 ? n : null
}

function viewDefinition(d) {
  const total = d.sections.reduce((n, s) => n + Object.values(s.counts).reduce((a, b) => a + b, 0), 0)
  return {
    id: d.id,
    title: d.title || office.EXAM_KINDS[d.exam_kind] || '测评',
    kindText: office.EXAM_KINDS[d.exam_kind] || '',
    duration: String(d.duration_minutes),
    total,
    attemptsText: `可作答 ${d.attempts_allowed} 次${d.make_up_allowed ? '，可补考' : '，不设补考'}`,
    sections: d.sections.map((s) => ({
      name: office.SECTIONS[s.section] || '试题',
      passMark: String(s.pass_mark),
      counts: Object.keys(s.counts).map((t) => ({
        type: t,
        label: office.QUESTION_TYPES[t] || '试题',
        value: String(s.counts[t]),
      })),
      bySpecialty: s.by_specialty ? Object.keys(s.by_specialty).length : 0,
    })),
  }
}

function countsText(counts) {
  return Object.keys(counts || {})
    .filter((t) => counts[t] > 0)
    .map((t) => `${office.QUESTION_TYPES[t] || '试题'} ${counts[t]} 道`)
    .join('、')
}

function viewReadiness(r) {
  return {
    ready: r.ready,
    summary: r.ready
      ? `${r.cycle.name}：题库足以为所有考核专业组卷。`
      : `${r.cycle.name}：部分考核专业的题库不足，考试窗口开放前请补充试题。`,
    items: r.items.map((i, index) => ({
      key: i.specialty || `none-${index}`,
      name: i.specialty_name || '报考专业没有对应的考核专业',
      ready: i.ready,
      text: i.ready
        ? `可以组卷（每份需 ${countsText(i.needed) || '0 道'}），考生 ${i.candidate_count} 人`
        : i.specialty
          ? `缺少 ${countsText(i.short) || '试题'}，影响考生 ${i.candidate_count} 人`
          : `无法按专业出题，影响考生 ${i.candidate_count} 人`,
      passMark: i.pass_mark === null || i.pass_mark === undefined ? '' : `合格分 ${i.pass_mark}`,
      candidates: i.ready
        ? ''
        : i.candidates
            .slice(0, 5)
            .map((c) => `${c.name}（${c.institution_name}）`)
            .join('、'),
    })),
  }
}
