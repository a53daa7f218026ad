/** What face data the platform keeps about me, until when and why (the server's own account of it). */
const proctoring = require('../../../services/proctoring')
const { run, formatTime } = require('../../../utils/ui')

const KIND = { capture: '考前人脸采集', snapshot: '测评中抓拍', reference: '证件照副本（比对不一致时保留）' }
const MATCH = {
  match: '与证件照一致',
  mismatch: '与证件照不一致（已提交考核机构复核）',
  no_reference: '未比对：没有审核通过的证件照',
  reference_unusable: '未比对：证件照无法识别',
  not_compared: '未比对：未同意人脸比对',
}

Component({
  data: { loaded: false, loading: false, error: '', summary: [], images: [] },
  methods: {
    async onLoad() {
      const r = await run(this, () => proctoring.faceData(), { quiet: true })
      if (!r.ok) return
      const d = r.result
      const consent = d.compare_consent === true ? '同意' : d.compare_consent === false ? '不同意' : '尚未选择'
      this.setData({
        loaded: true,
        summary: [
          {
            title: '人脸信息处理告知',
            note: d.capture_consent_at ? `${formatTime(d.capture_consent_at)} 已同意` : '尚未同意',
          },
          { title: '人脸比对', note: consent },
          {
            title: '比对所用证件照',
            note: d.reference_photo_approved_at ? `${formatTime(d.reference_photo_approved_at)} 审核通过` : '暂无',
          },
          { title: '保存期限', note: `考核结果确定后 ${d.retention_days} 天` },
        ],
        images: (d.images || []).map((i) => ({
          id: i.image_id,
          title: KIND[i.kind] || '人脸照片',
          description: `${formatTime(i.created_at)} · ${i.purpose}`,
          note: `保存至 ${formatTime(i.kept_until).slice(0, 10)}`,
          match: i.match_status ? MATCH[i.match_status] || '' : '',
          embedding: i.has_embedding ? '同时保存由照片计算的人脸特征值，随照片一同删除' : '',
        })),
      })
    },
  },
})
