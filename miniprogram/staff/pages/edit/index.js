/**
 * A new staff account: user name, name, phone (optional), role (only those the signed-in account manages)
 * and its scope: an institution (institution-picker) or a region (region-picker); an administrator has none.
 * The server decides what is in scope and its refusal is shown as it says. On success the one-time password
 * is shown once; closing it opens the new account.
 */
const staff = require('../../../services/staff')
const store = require('../../../utils/auth-store')
const { run } = require('../../../utils/ui')
const { formMethods, requireLogin } = require('../../../utils/page')

const USERNAME = /^[A-Za-z][A-Za-z0-9_.-]{2,31}$/
const PHONE = /^1[3-9]\d{9}$/
const FIELDS = new Set(['username', 'real_name', 'phone', 'institution_id', 'region_code'])

Component({
  data: {
    roles: [],
    role: '',
    scopeKind: 'region',
    username: '',
    realName: '',
    phone: '',
    institutionId: null,
    institutionName: '',
    regionCode: '',
    regionName: '',
    errors: {},
    error: '',
    loading: false,
    saving: false,
    issued: null,
    showPassword: false,
    refused: '',
  },
  methods: {
    ...formMethods,
    onLoad() {
      if (!requireLogin()) return
      const me = store.user() || {}
      const allowed = staff.MANAGES[me.role] || []
      if (!allowed.length) {
        this.setData({ refused: '当前账号无权管理工作人员账号' })
        return
      }
      const roles = allowed.map((r) => ({ key: r, title: staff.ROLE_TEXT[r] }))
      this.setData({ roles, role: roles[0].key, scopeKind: staff.scopeKind(roles[0].key) })
    },

    onRole(e) {
      const role = e.currentTarget.dataset.key
      this.setData({ role, scopeKind: staff.scopeKind(role), errors: {}, error: '' })
    },

    onInstitution(e) {
      this.setData({ institutionId: e.detail.id, institutionName: e.detail.name, 'errors.institution_id': '' })
    },

    onRegion(e) {
      this.setData({ regionCode: e.detail.code, regionName: e.detail.name, 'errors.region_code': '' })
    },

    check() {
      const { username, realName, phone, scopeKind, institutionId, regionCode } = this.data
      const errors = {}
      if (!USERNAME.test(username.trim())) errors.username = '用户名须以字母开头，3–32 位字母、数字、下划线、点或短横线'
      if (realName.trim().length < 2) errors.real_name = '请填写使用人姓名（至少 2 个字）'
      if (phone.trim() && !PHONE.test(phone.trim())) errors.phone = '请输入 11 位手机号，或留空'
      if (scopeKind === 'institution' && !institutionId) errors.institution_id = '请选择所属机构'
      if (scopeKind === 'region' && !regionCode) errors.region_code = '请选择辖区'
      return errors
    },

    async onSubmit() {
      if (this.data.saving) return
      const errors = this.check()
      this.setData({ errors, error: '' })
      if (Object.keys(errors).length) return
      const { username, realName, phone, role, institutionId, regionCode } = this.data
      const r = await run(this, () => staff.create({ username, realName, phone, role, institutionId, regionCode }), {
        key: 'saving',
      })
      if (!r.ok) {
        // A refusal of a field shows under it; any other (the role, the scope) above the button.
        const field = r.error && r.error.field
        if (FIELDS.has(field)) this.setData({ errors: { [field]: r.message }, error: '' })
        else this.setData({ error: r.message })
        return
      }
      this.setData({ issued: r.result, showPassword: true })
    },

    onPasswordClosed() {
      const issued = this.data.issued
      this.setData({ showPassword: false, issued: null })
      wx.redirectTo({ url: `/staff/pages/detail/index?id=${issued.staff.id}` })
    },
  },
})
