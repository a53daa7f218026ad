/** ID photo: the rules are on screen BEFORE the picker opens; size is checked locally, the rest by the server. */
const registration = require('../../../services/registration')
const { run } = require('../../../utils/ui')

const MAX_BYTES = 80 * 1024

Component({
  data: { rules: registration.PHOTO_RULES, photo: '', loading: false, error: '', done: false },
  methods: {
    pick() {
      return new Promise((resolve, reject) => {
        wx.chooseMedia({
          count: 1,
          mediaType: ['image'],
          sourceType: ['album', 'camera'],
          sizeType: ['original'],
          success: (res) => resolve(res.tempFiles[0]),
          fail: (err) => reject(err),
        })
      })
    },
    async onChoose() {
      let file
      try {
        file = await this.pick()
      } catch (e) {
        return // cancelled
      }
      if (file.size > MAX_BYTES) {
        this.setData({ error: `照片 ${Math.ceil(file.size / 1024)} KB，超过 80 KB，请压缩后重新选择` })
        return
      }
      this.setData({ photo: file.tempFilePath, done: false })
      const r = await run(this, () => registration.uploadPhoto({ filePath: file.tempFilePath }), {
        success: '已提交，等待审核',
      })
      this.setData({ done: r.ok })
    },
  },
})
