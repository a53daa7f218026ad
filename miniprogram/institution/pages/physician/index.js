/**
 * One physician of this institution (?id=registration id): the account (activation code by SMS, direct
 * activation, revoking a wrongly registered account, a password reset whose temporary password goes by SMS
 * only) and the 定考 account (initial credential shown once, hide / un-hide).
 */
const institution = require('../../../services/institution')
const lookups = require('../../../services/lookups')
const { CATEGORY_TEXT, LEVEL_TEXT } = require('../../../services/registration')
const { documentProblem, normalise } = require('../../../utils/identity')
const { run, confirm, toast, formatTime, exclusive } = require('../../../utils/ui')
const { requireLogin, formMethods, go } = require('../../../utils/page')
const { messageOf } = require('../../../utils/errors')

Component({
  data: {
    id: '',
    p: null,
    rows: [],
    docTypes: lookups.DOCUMENT_TYPES,
    docType: 'resident_id',
    idNumber: '',
    idError: '',
    revokeReason: '',
    revokeError: '',
    hideReason: '',
    hideError: '',
    sent: null,
    resetDone: null,
    credential: null,
    accounts: null,
    loading: false,
    acting: false,
    error: '',
    actionError: '',
    offline: false,
  },
  methods: {
    ...formMethods,

    onLoad(query = {}) {
      this.setData({ id: query.id || '' })
    },

    onShow() {
      if (!requireLogin()) return undefined
      return this.reload()
    },

    async reload() {
      const r = await run(
        this,
        () => Promise.all([institution.physician(this.data.id), lookups.documentTypes().catch(() => null)]),
        { quiet: true },
      )
      if (!r.ok) return
      const [p, types] = r.result
      if (types && types.length) this.setData({ docTypes: types })
      if (!p) {
        this.setData({ p: null, error: '该医师的主执业机构不是本机构，或已不在本院名单中' })
        return
      }
      this.setData({ p: view(p), rows: rows(p) })
    },

    /** One action on the account: the server's message on failure, nothing sent twice while it runs. */
    async act(fn, success) {
      if (this.data.acting) return { ok: false }
      return run(this, fn, { key: 'acting', errorKey: 'actionError', success })
    },

    onSendCode() {
      return exclusive(this, async () => {
        const r = await this.act(() => institution.sendActivationCodes([this.data.p.registration_id]))
        if (!r.ok) return
        const result = r.result.results[0] || {}
        if (!result.ok) {
          this.setData({ actionError: result.message || '激活码未能发送' })
          toast(this.data.actionError)
          return
        }
        this.setData({ sent: { phone: result.phone || '', until: formatTime(result.expires_at) } })
        toast('激活码已发送', 'success')
      })
    },

    onActivate() {
      return exclusive(this, async () => {
        const ok = await confirm({
          title: '直接激活',
          content: `确认已核实${this.data.p.name}的身份，直接激活其账户？`,
          confirmText: '激活',
        })
        if (!ok) return
        const r = await this.act(() => institution.activate(this.data.p.registration_id), '已激活')
        if (r.ok) await this.reload()
      })
    },

    onRevoke() {
      return exclusive(this, async () => {
        const reason = this.data.revokeReason.trim()
        if (!reason) {
          this.setData({ revokeError: '请填写撤销原因' })
          return
        }
        this.setData({ revokeError: '' })
        const ok = await confirm({
          title: '撤销账户',
          content: `撤销${this.data.p.name}错误注册的账户？撤销后医师需重新实名认证。`,
          confirmText: '撤销',
          danger: true,
        })
        if (!ok) return
        const r = await this.act(() => institution.revoke(this.data.p.registration_id, reason), '已撤销')
        if (r.ok) {
          this.setData({ revokeReason: '' })
          await this.reload()
        }
      })
    },

    onResetPassword() {
      return exclusive(this, async () => {
        const ok = await confirm({
          title: '重置登录密码',
          content: `临时密码将以短信发送给${this.data.p.name}本人，本页不显示；医师原有的登录将全部失效。`,
          confirmText: '重置',
          danger: true,
        })
        if (!ok) return
        const r = await this.act(() => institution.resetPassword(this.data.p.user_id), '已重置')
        if (r.ok) this.setData({ resetDone: { phone: this.data.p.phone || '', sessions: r.result.sessions_ended } })
      })
    },

    onFileCase() {
      go(`/institution/pages/filings/index?id=${this.data.p.registration_id}`)
    },

    onDocType(e) {
      this.setData({ docType: e.currentTarget.dataset.code, idError: '' })
    },

    /** The full document number (the list shows it masked): checked on the phone before it is sent. */
    checkedNumber() {
      const problem = documentProblem(this.data.docType, this.data.idNumber)
      this.setData({ idError: problem })
      return problem ? null : normalise(this.data.idNumber)
    },

    onIssueCredential() {
      return exclusive(this, async () => {
        const idNumber = this.checkedNumber()
        if (!idNumber) return
        const r = await this.act(() =>
          institution.issueCredential({ name: this.data.p.name, idNumber, documentType: this.data.docType }),
        )
        if (r.ok) {
          const c = r.result
          this.setData({
            credential: {
              ...c,
              until: formatTime(c.expires_at),
              what: c.reset ? '已重置定考账号初始密码' : '已发放定考账号初始密码',
            },
          })
        }
      })
    },

    onCopyCredential() {
      wx.setClipboardData({
        data: this.data.credential.credential,
        success: () => toast('已复制', 'success'),
        fail: (err) => toast(messageOf(err) || '未能复制'),
      })
    },

    onCloseCredential() {
      this.setData({ credential: null })
    },

    onFindAccounts() {
      return exclusive(this, async () => {
        const idNumber = this.checkedNumber()
        if (!idNumber) return
        const r = await this.act(() => institution.accounts({ idNumber, documentType: this.data.docType }))
        if (r.ok) this.setData({ accounts: r.result.map(accountView) })
      })
    },

    onHideAccount(e) {
      return exclusive(this, async () => {
        const id = e.currentTarget.dataset.id
        const reason = this.data.hideReason.trim()
        if (!reason) {
          this.setData({ hideError: '请填写隐藏原因' })
          return
        }
        this.setData({ hideError: '' })
        const ok = await confirm({
          title: '隐藏定考账号',
          content: '隐藏后该医师无法绑定和办理定期考核，确认隐藏？',
          confirmText: '隐藏',
          danger: true,
        })
        if (!ok) return
        const r = await this.act(() => institution.hideAccount(id, reason), '已隐藏')
        if (r.ok) this.replaceAccount(r.result)
      })
    },

    onUnhide(e) {
      return exclusive(this, async () => {
        const r = await this.act(() => institution.unhideAccount(e.currentTarget.dataset.id), '已解除隐藏')
        if (r.ok) this.replaceAccount(r.result)
      })
    },

    replaceAccount(a) {
      this.setData({
        hideReason: '',
        accounts: (this.data.accounts || []).map((x) => (x.id === a.id ? accountView(a) : x)),
      })
    },
  },
})

function view(p) {
  return {
    ...p,
    active: p.account_status === 'active',
    canActivate: p.account_status === 'verified',
    accountText: institution.ACCOUNT_TEXT[p.account_status] || '',
  }
}

function rows(p) {
  return [
    ['医师类别', CATEGORY_TEXT[p.category] || ''],
    ['级别', LEVEL_TEXT[p.level] || ''],
    ['科室', p.department_name || ''],
    ['执业范围', (p.practice_scopes || []).join('、')],
    ['证件号码', p.id_number || ''],
    ['手机号', p.phone || ''],
    ['医师资格证书编码', p.qualification_cert_no || ''],
    ['医师执业证书编码', p.practice_cert_no || ''],
    ['账户状态', institution.ACCOUNT_TEXT[p.account_status] || ''],
  ]
    .filter(([, v]) => v)
    .map(([label, value]) => ({ label, value }))
}

function accountView(a) {
  return { ...a, stateText: `${a.is_hidden ? '已隐藏' : '正常'} · ${a.bound ? '已绑定' : '未绑定'}` }
}
