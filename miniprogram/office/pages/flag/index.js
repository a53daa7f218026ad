/**
 * One proctoring flag: the capture, the reference photo where the match failed, and every snapshot side by side
 * with what was measured on each; images fetched with the office's token (wx.downloadFile carries the
 * Authorization header; each view is audited). 排除 clears the flag; 判定无效 voids the attempt (reason, asked first).
 */
const office = require('../../../services/office')
const { run, formatTime, confirm } = require('../../../utils/ui')
const { requireLogin } = require('../../../utils/page')

const MATCH_STATUS = {
  match: '与证件照一致',
  mismatch: '与证件照不一致',
  no_reference: '无审核通过的证件照',
  reference_unusable: '证件照无法识别人脸',
  not_compared: '未同意比对',
}
const OUTCOMES = {
  ok: '检测正常',
  FACE_NOT_FOUND: '未检测到人脸',
  FACE_MULTIPLE: '多张人脸',
  FACE_TOO_SMALL: '人脸过小',
  FACE_NOT_CENTERED: '人脸未居中或不完整',
  IMAGE_TOO_DARK: '画面过暗',
  IMAGE_TOO_BRIGHT: '画面过亮',
  IMAGE_BLURRY: '画面模糊',
  IMAGE_INVALID: '图片无法识别',
  IMAGE_TOO_LARGE: '图片过大',
}
// Detection values as the office reads them; keys not listed here are not shown (never a raw key).
const MEASURES = [
  ['face_count', '人脸数', (v) => `${v} 张`],
  ['face_ratio', '人脸占比', (v) => `${Math.round(v * 100)}%`],
  ['brightness', '亮度', (v) => String(Math.round(v))],
  ['frame_brightness', '画面亮度', (v) => String(Math.round(v))],
  ['sharpness', '清晰度', (v) => String(Math.round(v))],
  ['match_distance', '比对距离', (v) => Number(v).toFixed(2)],
]

Component({
  data: {
    id: null,
    flag: null,
    pictures: [],
    reason: '',
    deciding: false,
    decideError: '',
    loading: false,
    error: '',
    offline: false,
  },
  methods: {
    onLoad(query) {
      this.setData({ id: query.id })
    },

    onShow() {
      if (!requireLogin()) return undefined
      return this.reload()
    },

    async reload() {
      const r = await run(this, () => office.flag(this.data.id), { quiet: true })
      if (!r.ok) return
      const f = r.result
      const pictures = []
      if (f.reference_image) pictures.push(picture('ref', '证件照（比对所用）', f.reference_image, [], ''))
      if (f.capture)
        pictures.push(
          picture(
            'capture',
            '考前采集',
            f.capture.image,
            measures({ ...f.capture.measurements, match_distance: f.capture.match_distance }),
            [MATCH_STATUS[f.capture.match_status] || '', formatTime(f.capture.created_at)].filter(Boolean).join(' · '),
          ),
        )
      f.snapshots.forEach((s, i) =>
        pictures.push(
          picture(
            `snap-${s.snapshot_id}`,
            `第 ${s.slot === null || s.slot === undefined ? i + 1 : s.slot + 1} 次抓拍`,
            s.image,
            measures(s.measurements),
            [OUTCOMES[s.outcome] || '未通过检测', formatTime(s.created_at)].join(' · '),
            s.outcome !== 'ok',
          ),
        ),
      )
      this.setData({
        flag: {
          id: f.id,
          status: f.status,
          open: f.status === 'open',
          statusText: office.FLAG_STATUS[f.status] || '',
          reasonText: office.FLAG_REASONS[f.reason] || '监考异常',
          name: (f.candidate && f.candidate.name) || '考生',
          examText: office.EXAM_KINDS[f.exam_kind] || '测评',
          identityText: office.IDENTITY_VIA[f.identity_via] || '',
          distance: f.distance === null || f.distance === undefined ? '' : Number(f.distance).toFixed(2),
          started: formatTime(f.started_at),
          closed: formatTime(f.closed_at),
          created: formatTime(f.created_at),
          decided: formatTime(f.decided_at),
          decisionReason: f.decision_reason || '',
        },
        pictures,
      })
      // Images one after another: each is an audited read, and a phone on a poor network is not flooded.
      for (let i = 0; i < pictures.length; i += 1) {
        const p = pictures[i]
        if (!p.imageId) continue
        try {
          const src = await office.image(p.imageId)
          this.setData({ [`pictures[${i}].src`]: src })
        } catch (err) {
          this.setData({ [`pictures[${i}].note`]: (err && err.message) || '照片无法加载' })
        }
      }
    },

    onReason(e) {
      this.setData({ reason: e.detail.value, decideError: '' })
    },

    onPreview(e) {
      const src = e.currentTarget.dataset.src
      if (src) wx.previewImage({ urls: this.data.pictures.filter((p) => p.src).map((p) => p.src), current: src })
    },

    async onClear() {
      return this.decide('cleared', this.data.reason.trim() || '经核查排除异常')
    },

    async onInvalidate() {
      const reason = this.data.reason.trim()
      if (!reason) {
        this.setData({ decideError: '判定无效须填写理由' })
        return undefined
      }
      const ok = await confirm({
        title: '判定本场考试无效',
        content: '判定无效后本场测评成绩作废，考生的考核结果将随之改变，且无法撤销。确定判定无效？',
        confirmText: '判定无效',
        danger: true,
      })
      if (!ok) return undefined
      return this.decide('invalidated', reason)
    },

    async decide(decision, reason) {
      if (this.data.deciding) return
      const r = await run(this, () => office.decide(this.data.id, { decision, reason }), {
        key: 'deciding',
        errorKey: 'decideError',
        success: decision === 'cleared' ? '已排除' : '已判定无效',
      })
      if (r.ok) {
        this.setData({ reason: '' })
        await this.reload()
      }
    },
  },
})

function picture(key, title, image, values, note, bad = false) {
  const deleted = Boolean(image && image.deleted)
  return {
    key,
    title,
    imageId: image && !deleted ? image.image_id : null,
    src: '',
    note: deleted ? '照片已超过保存期限被删除' : note,
    values,
    bad,
  }
}

function measures(m) {
  if (!m) return []
  const out = []
  if (m.width && m.height) out.push({ label: '分辨率', value: `${m.width}×${m.height}` })
  MEASURES.forEach(([key, label, fmt]) => {
    if (typeof m[key] === 'number') out.push({ label, value: fmt(m[key]) })
  })
  return out
}
