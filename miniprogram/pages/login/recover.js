/** Forgotten password: three ways back, each saying what it needs, so nobody is left at a dead end. */
const WAYS = [
  {
    key: 'sms',
    title: '通过手机短信找回',
    needs: '需要：注册时绑定的手机号，且能收到短信',
    url: '/pages/login/reset',
  },
  {
    key: 'email',
    title: '通过安全邮箱找回',
    needs: '需要：已在“我的 › 安全邮箱”中验证过的邮箱',
    url: '/pages/login/reset-email',
  },
  {
    key: 'info',
    title: '通过个人信息找回',
    needs: '手机号已停用时使用。需要：姓名、证件类型与号码、医师资格证书编码，以及一个能收短信的新手机号',
    url: '/pages/login/recover-info',
  },
]

Component({
  data: { ways: WAYS },
  methods: {
    onWay(e) {
      const way = WAYS.find((w) => w.key === e.currentTarget.dataset.key)
      wx.navigateTo({ url: way.url })
    },
  },
})
