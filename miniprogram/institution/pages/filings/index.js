/**
 * 注册备案 / 注销注册 asked by this institution (each waits at the health commission), and the form to ask for
 * one: the physician (one of ours), the kind, the reason, a note.
 */
const institution = require('../../../services/institution')
const { run, confirm, formatTime, exclusive } = require('../../../utils/ui')
const { requireLogin, formMethods } = require('../../../utils/page')

Component({
  data: {
    items: [],
    loaded: false,
    physicians: [],
    kinds: institution.CASE_KINDS,
    kind: 'filing',
    reasons: institution.CASE_REASONS.filing,
    reason: '',
    registrationId: null,
    physicianName: '',
    pickerOpen: false,
    note: '',
    errors: {},
    loading: false,
    sending: false,
    error: '',
    formError: '',
    offline: false,
  },
  methods: {
    ...formMethods,

    onLoad(query = {}) {
      if (query.id) this.setData({ registrationId: Number(query.id) })
    },

    onShow() {
      if (!requireLogin()) return undefined
      return this.reload()
    },

    async reload() {
      const r = await run(this, () => Promise.all([institution.filings(), institution.allPhysicians()]), {
        quiet: true,
      })
      if (!r.ok) return
      const [items, people] = r.result
      const physicians = people.map((p) => ({ id: p.registration_id, name: p.name, note: p.department_name || '' }))
      const chosen = physicians.find((p) => p.id === this.data.registrationId)
      this.setData({ items: items.map(view), physicians, loaded: true, physicianName: chosen ? chosen.name : '' })
    },

    onKind(e) {
      const kind = e.currentTarget.dataset.code
      this.setData({ kind, reasons: institution.CASE_REASONS[kind], reason: '', errors: {} })
    },

    onReason(e) {
      this.setData({ reason: e.currentTarget.dataset.code, 'errors.reason': '' })
    },

    openPicker() {
      this.setData({ pickerOpen: true })
    },

    closePicker() {
      this.setData({ pickerOpen: false })
    },

    onPickPhysician(e) {
      const p = this.data.physicians[e.currentTarget.dataset.index]
      this.setData({ registrationId: p.id, physicianName: p.name, pickerOpen: false, 'errors.physician': '' })
    },

    onSubmit() {
      return exclusive(this, async () => {
        if (this.data.sending) return
        const errors = {}
        if (!this.data.registrationId) errors.physician = '请选择医师'
        if (!this.data.reason) errors.reason = '请选择原因'
        this.setData({ errors })
        if (Object.keys(errors).length) return
        const kindLabel = this.data.kinds.find((k) => k.code === this.data.kind).label
        const ok = await confirm({
          title: kindLabel,
          content: `为${this.data.physicianName}申请${kindLabel}？提交后由卫生健康行政部门审批。`,
          confirmText: '提交',
          danger: this.data.kind === 'cancellation',
        })
        if (!ok) return
        const r = await run(
          this,
          () =>
            institution.file({
              kind: this.data.kind,
              registrationId: this.data.registrationId,
              reason: this.data.reason,
              note: this.data.note.trim(),
            }),
          { key: 'sending', errorKey: 'formError', success: '已提交' },
        )
        if (!r.ok) return
        this.setData({ reason: '', note: '', registrationId: null, physicianName: '' })
        await this.reload()
      })
    },
  },
})

function view(a) {
  const d = a.data || {}
  return {
    id: a.id,
    title: a.kind_title,
    statusText: institution.filingStatusText(a),
    waiting: a.status === 'submitted' || a.status === 'institution_confirmed',
    name: d.name || d.physician_name || '',
    reason: d.reason_label || '',
    submitted: formatTime(a.submitted_at || a.created_at),
  }
}
