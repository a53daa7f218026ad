/**
 * One staff account: who, role, scope in words, status; 停用 (asked first, red) / 重新启用, and 重置密码,
 * whose one-time password is shown once. Disabling ends every session of the account at once (server).
 */
const staff = require('../../../services/staff')
const { run, confirm, formatTime } = require('../../../utils/ui')
const { requireLogin } = require('../../../utils/page')

Component({
  data: {
    id: null,
    account: null,
    loading: false,
    acting: false,
    error: '',
    offline: false,
    issued: null,
    showPassword: false,
  },
  methods: {
    onLoad(query) {
      this.setData({ id: Number(query && query.id) })
      if (!requireLogin()) return undefined
      return this.reload()
    },

    async reload() {
      const r = await run(this, () => staff.item(this.data.id), { quiet: true })
      if (r.ok) this.show(r.result)
    },

    show(s) {
      this.setData({
        account: {
          ...s,
          name: s.real_name || s.username || '—',
          roleText: staff.ROLE_TEXT[s.role] || '工作人员',
          scopeLabel: s.role === 'institution_reviewer' ? '所属机构' : '辖区',
          scopeText: staff.scopeText(s),
          phoneText: s.phone || '未填写',
          statusText: s.is_active ? '正常' : '已停用',
          passwordText: s.must_change_password
            ? `一次性密码，待首次登录修改${s.one_time_password_expires_at ? `（${formatTime(s.one_time_password_expires_at)} 前有效）` : ''}`
            : '已由本人设置',
          created: formatTime(s.created_at),
        },
      })
    },

    async onDisable() {
      const a = this.data.account
      const ok = await confirm({
        title: '停用账号',
        content: `停用后「${a.name}」将无法登录，已登录的设备立即退出。确定停用？`,
        confirmText: '停用',
        danger: true,
      })
      if (!ok) return
      const r = await run(this, () => staff.disable(a.id, '管理员停用账号'), { key: 'acting', success: '已停用' })
      if (r.ok) this.show(r.result)
    },

    async onEnable() {
      const a = this.data.account
      const ok = await confirm({ title: '重新启用', content: `确定重新启用「${a.name}」的账号？`, confirmText: '启用' })
      if (!ok) return
      const r = await run(this, () => staff.enable(a.id, '管理员重新启用账号'), { key: 'acting', success: '已启用' })
      if (r.ok) this.show(r.result)
    },

    async onReset() {
      const a = this.data.account
      const ok = await confirm({
        title: '重置密码',
        content: `将为「${a.name}」生成新的一次性密码，原密码立即失效，已登录的设备全部退出。确定重置？`,
        confirmText: '重置',
        danger: true,
      })
      if (!ok) return
      const r = await run(this, () => staff.resetPassword(a.id), { key: 'acting' })
      if (!r.ok) return
      this.show(r.result.staff)
      this.setData({ issued: r.result, showPassword: true })
    },

    onPasswordClosed() {
      // The password is gone from the page for good: only a new reset gives another.
      this.setData({ showPassword: false, issued: null })
    },
  },
})
