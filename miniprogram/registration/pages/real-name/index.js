/**
 * Real-name check: name and a document of any of the registry's types against the qualification register
 * (the number's shape, and a resident ID's checksum, checked here first). When nothing is found, the server's
 * 资格补改 guidance is shown as steps, with whom to contact and which documents to check.
 */
const registration = require('../../../services/registration')
const lookups = require('../../../services/lookups')
const { run } = require('../../../utils/ui')
const { formMethods } = require('../../../utils/page')
const { idNumberValid, documentProblem, normalise } = require('../../../utils/identity')

Component({
  data: {
    docTypes: lookups.DOCUMENT_TYPES,
    idType: 'resident_id',
    idHint: lookups.DOCUMENT_TYPES[0].hint,
    name: '',
    idNumber: '',
    result: null,
    guidance: null,
    errors: {},
    loading: false,
    error: '',
  },
  methods: {
    ...formMethods,
    async onLoad() {
      const types = await lookups.documentTypes().catch(() => null)
      if (types && types.length) this.setData({ docTypes: types })
    },
    onType(e) {
      const idType = e.currentTarget.dataset.code
      const t = this.data.docTypes.find((d) => d.code === idType)
      this.setData({ idType, idHint: (t && t.hint) || '', 'errors.idNumber': '' })
    },
    async onSubmit() {
      const name = this.data.name.trim()
      const idNumber = normalise(this.data.idNumber)
      const errors = {}
      if (!name) errors.name = '请输入姓名'
      const doc = documentProblem(this.data.idType, idNumber)
      if (doc) errors.idNumber = doc
      if (Object.keys(errors).length) return this.setData({ errors, error: errors.idNumber || errors.name })
      this.setData({ errors: {}, guidance: null, result: null })
      const r = await run(this, () => registration.realNameCheck({ name, idType: this.data.idType, idNumber }))
      if (r.ok) this.setData({ result: r.result })
      else if (r.error.code === 'REAL_NAME_NOT_FOUND') {
        const d = r.error.details || {}
        this.setData({
          guidance: {
            steps: d.guidance || [],
            contact: d.contact || '',
            documents: (d.check_documents || []).join('、'),
          },
        })
      } else if (r.error.field === 'id_number') this.setData({ 'errors.idNumber': r.message })
      return undefined
    },
    goActivation() {
      wx.navigateTo({ url: '/registration/pages/activation/index' })
    },
  },
})

module.exports = { idNumberValid }
