/** Activation: with the code the institution sent by SMS, or by qualification certificate number. */
const registration = require('../../../services/registration')
const { run } = require('../../../utils/ui')
const { formMethods } = require('../../../utils/page')

Component({
  data: { way: 'code', code: '', qualificationCertNo: '', done: null, loading: false, error: '' },
  methods: {
    ...formMethods,
    onWay(e) {
      this.setData({ way: e.currentTarget.dataset.way, error: '' })
    },
    async onSubmit() {
      const { way, code, qualificationCertNo } = this.data
      if (way === 'code' && !code.trim()) return this.setData({ error: '请输入激活码' })
      if (way === 'self' && !qualificationCertNo.trim()) return this.setData({ error: '请输入医师资格证书编码' })
      const r = await run(
        this,
        () =>
          way === 'code'
            ? registration.activateByCode({ code: code.trim() })
            : registration.activateSelf({ qualificationCertNo: qualificationCertNo.trim() }),
        { success: '激活成功' },
      )
      if (r.ok) this.setData({ done: r.result || {} })
      return undefined
    },
  },
})
