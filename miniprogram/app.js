const store = require('./utils/auth-store')

App({
  onLaunch() {
    // A signed-in reviewer lands on the review queue; a physician on home; nobody signed in on log-in.
    // The pages themselves check again in onShow (tokens may be revoked while the app sleeps).
    if (!store.isLoggedIn()) wx.reLaunch({ url: '/pages/login/index' })
  },
})
