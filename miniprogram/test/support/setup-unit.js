// Every unit/page test starts with fresh modules (the auth store caches) and its own fake wx.
beforeEach(() => {
  jest.resetModules()
})
