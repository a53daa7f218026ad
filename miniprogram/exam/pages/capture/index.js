/**
 * Before an exam: consent to the face capture, then a photo with the front camera. When the server refuses
 * the photo, its reasons are shown (no face, several faces, too dark …) and the person retakes it.
 */
const proctoring = require('../../../services/proctoring')
const { run } = require('../../../utils/ui')
const { clientError, messageOf } = require('../../../utils/errors')

Component({
  data: {
    kind: '',
    consented: false,
    declined: false,
    consent: null,
    cameraReady: false,
    cameraError: '',
    photo: '',
    reasons: [],
    loading: false,
    uploading: false,
    error: '',
  },
  methods: {
    async onLoad(query) {
      this.setData({ kind: query.kind })
      const r = await run(this, () => proctoring.consent(), { quiet: true })
      if (r.ok) {
        const c = r.result
        const viewers = Array.isArray(c.viewers) ? c.viewers.join('、') : c.viewers || ''
        this.setData({ consented: Boolean(c.accepted), consent: { ...c, viewers } })
      }
    },

    async onConsent() {
      const version = this.data.consent && this.data.consent.version
      const r = await run(this, () => proctoring.giveConsent({ version }))
      if (r.ok) this.setData({ consented: true })
    },

    /** Declining is a real choice: nothing is recorded, and the page says what follows from it. */
    onDecline() {
      this.setData({ declined: true })
    },
    onReconsider() {
      this.setData({ declined: false })
    },
    onLeave() {
      wx.navigateBack()
    },

    onCameraReady() {
      this.setData({ cameraReady: true, cameraError: '' })
    },

    onCameraError() {
      this.setData({ cameraError: messageOf(clientError('CAMERA_FAILED')) })
    },

    takePhoto() {
      return new Promise((resolve, reject) => {
        wx.createCameraContext().takePhoto({
          quality: 'normal',
          success: (res) => resolve(res.tempImagePath),
          fail: () => reject(clientError('CAMERA_FAILED')),
        })
      })
    },

    async onCapture() {
      this.setData({ reasons: [] })
      const r = await run(
        this,
        async () => {
          const filePath = await this.takePhoto()
          this.setData({ photo: filePath })
          return proctoring.uploadCapture({ filePath, examKind: this.data.kind })
        },
        { key: 'uploading' },
      )
      if (!r.ok) return
      if (!r.result.accepted) {
        this.setData({ reasons: r.result.reasons })
        return
      }
      wx.redirectTo({
        url: `/exam/pages/attempt/index?kind=${this.data.kind}&capture=${encodeURIComponent(r.result.capture_id)}`,
      })
    },
  },
})
