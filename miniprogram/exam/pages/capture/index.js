/**
 * Before an exam: consent to the face capture, then (asked apart) to the comparison with the ID photo, then a photo
 * with the front camera. When the server refuses the photo, its reasons are shown (no face, several faces, too
 * dark …) and the person retakes it. The comparison only advises: on a mismatch the page shows the server's
 * guidance and the person may retake, start anyway (the office reviews it) or ask for the non-face way.
 */
const proctoring = require('../../../services/proctoring')
const { run, toast } = require('../../../utils/ui')
const { clientError, messageOf } = require('../../../utils/errors')

Component({
  data: {
    kind: '',
    consented: false,
    declined: false,
    consent: null,
    compare: null, // the comparison consent when it still needs an answer
    match: null, // the server's face_match of an accepted capture that needs a word before the exam
    captureId: '',
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
        if (c.accepted) await this.loadCompare()
      }
    },

    /** The comparison consent, asked apart; a server without it (404) simply has no comparison to ask about. */
    async loadCompare() {
      const r = await run(this, () => proctoring.compareConsent(), { quiet: true, errorKey: 'compareError' })
      this.setData({ compare: r.ok && !r.result.decided ? r.result : null })
    },

    async onConsent() {
      const version = this.data.consent && this.data.consent.version
      const r = await run(this, () => proctoring.giveConsent({ version }))
      if (r.ok) {
        this.setData({ consented: true })
        await this.loadCompare()
      }
    },

    async onCompareDecision(e) {
      const accepted = e.currentTarget.dataset.accepted === 'yes'
      const version = this.data.compare && this.data.compare.version
      const r = await run(this, () => proctoring.decideCompareConsent({ version, accepted }))
      if (r.ok) {
        this.setData({ compare: null, compareDeclined: !accepted })
        if (!accepted) {
          toast('已记录：不进行人脸比对')
        }
      }
    },

    onIdentityCheck() {
      wx.navigateTo({ url: '/exam/pages/identity/index' })
    },

    onFaceData() {
      wx.navigateTo({ url: '/exam/pages/face-data/index' })
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
      const match = r.result.face_match
      if (match && ['mismatch', 'no_reference', 'reference_unusable'].includes(match.status)) {
        // Advice, never a refusal: the person decides, with the server's words in front of them
        this.setData({ match: { ...match, mismatch: match.status === 'mismatch' }, captureId: r.result.capture_id })
        return
      }
      this.start(r.result.capture_id)
    },

    onStartAnyway() {
      this.start(this.data.captureId)
    },

    onRetake() {
      this.setData({ match: null, captureId: '' })
    },

    start(captureId) {
      wx.redirectTo({
        url: `/exam/pages/attempt/index?kind=${this.data.kind}&capture=${encodeURIComponent(captureId)}`,
      })
    },
  },
})
