/**
 * Account recovery by personal information, for someone whose phone number is gone: name, document type and
 * number, qualification certificate number and a new phone are checked against the register, a code goes to
 * the new phone, and the account moves to it. Then the password is reset by SMS on the new phone.
 */
const registration = require('../../services/registration')
const lookups = require('../../services/lookups')
const { run } = require('../../utils/ui')
const { formMethods } = require('../../utils/page')
const { documentProblem, certNoValid, normalise } = require('../../utils/identity')

const PHONE = /^1[3-9]\d{9}$/

Component({
  data: {
    docTypes: lookups.DOCUMENT_TYPES,
    idType: 'resident_id',
    idHint: lookups.DOCUMENT_TYPES[0].hint,
    name: '',
    idNumber: '',
    qualificationCertNo: '',
    newPhone: '',
    smsCode: '',
    sent: false,
    done: null,
    loading: false,
    sending: false,
    error: '',
    errorField: '',
  },
  methods: {
    ...formMethods,
    async onLoad() {
      const r = await run(this, () => lookups.documentTypes(), {
        key: 'typesLoading',
        errorKey: 'typesError',
        quiet: true,
      })
      if (r.ok && r.result.length) this.setData({ docTypes: r.result })
    },
    onType(e) {
      const idType = e.currentTarget.dataset.code
      const t = this.data.docTypes.find((d) => d.code === idType)
      this.setData({ idType, idHint: (t && t.hint) || '', errorField: '', error: '' })
    },
    who() {
      return {
        name: this.data.name.trim(),
        idType: this.data.idType,
        idNumber: normalise(this.data.idNumber),
        qualificationCertNo: normalise(this.data.qualificationCertNo),
        newPhone: this.data.newPhone.trim(),
      }
    },
    /** The first problem, shown beside its field. */
    problem(w) {
      if (!w.name) return ['name', '请输入姓名']
      const doc = documentProblem(w.idType, w.idNumber)
      if (doc) return ['idNumber', doc]
      if (!certNoValid(w.qualificationCertNo)) return ['qualificationCertNo', '医师资格证书编码应为 15 位以上数字']
      if (!PHONE.test(w.newPhone)) return ['newPhone', '请输入正确的新手机号']
      return null
    },
    async onSendCode() {
      const w = this.who()
      const p = this.problem(w)
      if (p) return this.setData({ errorField: p[0], error: p[1] })
      this.setData({ errorField: '' })
      const r = await run(this, () => registration.sendRecoveryCode(w), { key: 'sending', success: '验证码已发送' })
      if (r.ok) this.setData({ sent: true })
      return undefined
    },
    async onSubmit() {
      const w = this.who()
      const p =
        this.problem(w) || (/^\d{6}$/.test(this.data.smsCode) ? null : ['smsCode', '请输入新手机号收到的 6 位验证码'])
      if (p) return this.setData({ errorField: p[0], error: p[1] })
      this.setData({ errorField: '' })
      const r = await run(this, () => registration.recover(w, this.data.smsCode))
      if (r.ok) this.setData({ done: r.result })
      return undefined
    },
    goReset() {
      wx.redirectTo({ url: '/pages/login/reset' })
    },
  },
})
