/** Change the password (other devices are signed out). Also the first stop when a legacy password must change. */
const account = require('../../services/account')
const store = require('../../utils/auth-store')
const { run } = require('../../utils/ui')
const { formMethods, homeFor } = require('../../utils/page')

Component({
  data: { first: false, oldPassword: '', newPassword: '', confirmPassword: '', loading: false, error: '' },
  methods: {
    ...formMethods,
    onLoad(query) {
      const first = Boolean(query && query.first)
      this.setData({ first })
      // Forced mode (a one-time or initial password): no way out but the change — no home button, no back.
      if (first && wx.hideHomeButton) wx.hideHomeButton()
    },
    async onSubmit() {
      const { oldPassword, newPassword, confirmPassword } = this.data
      if (!oldPassword || !newPassword) return this.setData({ error: '请输入原密码和新密码' })
      if (newPassword !== confirmPassword) return this.setData({ error: '两次输入的新密码不一致' })
      const r = await run(this, () => account.changePassword({ oldPassword, newPassword }), {
        success: '密码已修改，其他设备已退出登录',
      })
      if (!r.ok) return undefined
      this.setData({ oldPassword: '', newPassword: '', confirmPassword: '' })
      if (this.data.first) {
        const user = { ...store.user(), must_change_password: false }
        store.setUser(user)
        wx.reLaunch({ url: homeFor(user) })
      } else {
        wx.navigateBack()
      }
      return undefined
    },
  },
})
