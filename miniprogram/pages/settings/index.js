/** 我的: who I am, security settings, notification channels, reviewer entry, log-out. */
const auth = require('../../services/auth')
const store = require('../../utils/auth-store')
const { run } = require('../../utils/ui')
const { requireLogin, go } = require('../../utils/page')

Component({
  data: { me: null, isReviewer: false, loading: false, error: '' },
  methods: {
    async onShow() {
      if (!requireLogin()) return
      this.setData({ me: store.user(), isReviewer: store.isReviewer() })
      const r = await run(this, () => auth.loadMe(), { quiet: true })
      if (r.ok) this.setData({ me: r.result, isReviewer: store.isReviewer() })
    },
    goPassword: () => go('/pages/settings/password'),
    goPhone: () => go('/pages/settings/phone'),
    goSessions: () => go('/pages/settings/sessions'),
    goNotifications: () => go('/pages/settings/notifications'),
    goReviews: () => go('/reviewer/pages/queue/index'),
    goMyApplications: () => go('/registration/pages/applications/index'),
    async onLogout() {
      await run(this, () => auth.logOut(), { key: 'loggingOut', quiet: true })
      // Signed out locally even if the server could not be told (the session then expires on its own).
      wx.reLaunch({ url: '/pages/login/index' })
    },
  },
})
