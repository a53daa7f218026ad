/** 资格信息验证 / 注册信息验证: a person's qualification and registrations by name and document number. */
const institution = require('../../../services/institution')
const lookups = require('../../../services/lookups')
const { documentProblem, normalise } = require('../../../utils/identity')
const { lookupSections, regionCodes } = require('../../../utils/words')
const { run, exclusive } = require('../../../utils/ui')
const { requireLogin, formMethods } = require('../../../utils/page')

async function placeNames(codes) {
  const names = await Promise.all(codes.map((c) => lookups.regionName(c).catch(() => '')))
  return Object.fromEntries(codes.map((c, i) => [c, names[i]]))
}

Component({
  data: {
    docTypes: lookups.DOCUMENT_TYPES,
    docType: 'resident_id',
    hint: '',
    name: '',
    idNumber: '',
    errors: {},
    sections: null,
    searching: false,
    formError: '',
  },
  methods: {
    ...formMethods,

    async onShow() {
      if (!requireLogin()) return
      const types = await lookups.documentTypes().catch(() => null)
      if (types && types.length) this.setData({ docTypes: types })
      this.setHint()
    },

    setHint() {
      const t = this.data.docTypes.find((d) => d.code === this.data.docType)
      this.setData({ hint: (t && t.hint) || '' })
    },

    onDocType(e) {
      this.setData({ docType: e.currentTarget.dataset.code, errors: {} })
      this.setHint()
    },

    onSearch() {
      return exclusive(this, async () => {
        if (this.data.searching) return
        const name = this.data.name.trim()
        const errors = {}
        if (!name) errors.name = '请输入姓名'
        const problem = documentProblem(this.data.docType, this.data.idNumber)
        if (problem) errors.idNumber = problem
        this.setData({ errors })
        if (Object.keys(errors).length) return
        const r = await run(this, () => institution.lookup({ name, idNumber: normalise(this.data.idNumber) }), {
          key: 'searching',
          errorKey: 'formError',
        })
        if (!r.ok) {
          this.setData({ sections: null })
          return
        }
        this.setData({ sections: lookupSections(r.result) })
        const codes = regionCodes(r.result)
        if (codes.length) this.setData({ sections: lookupSections(r.result, await placeNames(codes)) })
      })
    },
  },
})
