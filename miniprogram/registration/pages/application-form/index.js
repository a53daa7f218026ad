/**
 * The form of one business application kind, as the server declares it: institutions and regions picked by
 * name, practice scopes from the catalogue, filings from my data, choices as chips; attachments from the
 * camera, the album or a chat (size and type rules shown before choosing), each with its own progress. Submit:
 * create the draft, upload each file, submit for review; a failure keeps the draft and what was uploaded.
 */
const registration = require('../../../services/registration')
const lookups = require('../../../services/lookups')
const { run, toast } = require('../../../utils/ui')
const { askSubscription } = require('../../../utils/page')
const { messageOf } = require('../../../utils/errors')

const SOURCES = ['拍照', '从相册选择', '从聊天记录选择文件']

function chooseFile(source) {
  return new Promise((resolve, reject) => {
    if (source === 2) {
      wx.chooseMessageFile({
        count: 1,
        type: 'file',
        extension: registration.ATTACHMENT_RULES.extensions,
        success: (r) => resolve(r.tempFiles.map((f) => ({ path: f.path, name: f.name, size: f.size }))),
        fail: reject,
      })
      return
    }
    wx.chooseMedia({
      count: 1,
      mediaType: ['image'],
      sourceType: [source === 0 ? 'camera' : 'album'],
      success: (r) =>
        resolve(
          r.tempFiles.map((f, i) => ({
            path: f.tempFilePath,
            name: `照片${i + 1}.${(f.tempFilePath.split('.').pop() || 'jpg').toLowerCase()}`,
            size: f.size,
          })),
        ),
      fail: reject,
    })
  })
}

Component({
  data: {
    kind: '',
    title: '',
    fields: [],
    values: {},
    names: {},
    scopes: null,
    filings: [],
    purposes: [],
    purpose: '',
    files: [],
    rules: registration.ATTACHMENT_RULE_TEXT,
    errors: {},
    loading: false,
    error: '',
  },
  methods: {
    async onLoad(query) {
      const kind = query.kind
      this.draftId = null
      const [kinds, scopes, mine] = await Promise.all([
        lookups.applicationKinds().catch(() => null),
        lookups.practiceScopes().catch(() => null),
        registration.myData().catch(() => null),
      ])
      const form = registration.formOf(kind, kinds && kinds.find((k) => k.kind === kind))
      const filings = ((mine && mine.multi_site_filings) || [])
        .filter((f) => f.status === 'active' || !f.ended_on)
        .map((f) => ({ value: f.id, label: f.institution_name }))
      this.setData({
        kind,
        title: form.title,
        fields: form.fields,
        purposes: form.purposes,
        purpose: form.purposes.length ? form.purposes[0].purpose : '',
        scopes: scopes && scopes.length ? scopes.map((s) => s.name) : null,
        filings,
      })
      wx.setNavigationBarTitle({ title: form.title })
    },
    setValue(name, value, shown) {
      this.setData({
        [`values.${name}`]: value,
        [`errors.${name}`]: '',
        ...(shown ? { [`names.${name}`]: shown } : {}),
      })
    },
    onField(e) {
      this.setValue(e.currentTarget.dataset.key, e.detail.value)
    },
    onRegion(e) {
      this.setValue(e.currentTarget.dataset.key, e.detail.code, e.detail.name)
    },
    onInstitution(e) {
      this.setValue(e.currentTarget.dataset.key, e.detail.id, e.detail.name)
    },
    onChoice(e) {
      this.setValue(e.currentTarget.dataset.key, e.currentTarget.dataset.value)
    },
    onScopes(e) {
      const picked = e.detail.value || []
      if (picked.length > 3) {
        toast('执业范围最多选择三个')
        return
      }
      this.setValue(e.currentTarget.dataset.key, picked)
    },
    onPurpose(e) {
      this.setData({ purpose: e.currentTarget.dataset.purpose })
    },
    async onAddFile() {
      if (this.data.files.length >= registration.ATTACHMENT_RULES.maxFiles) {
        toast(`每项申请最多 ${registration.ATTACHMENT_RULES.maxFiles} 个附件`)
        return
      }
      const source = await new Promise((resolve) =>
        wx.showActionSheet({
          itemList: SOURCES,
          success: (r) => resolve(r.tapIndex),
          fail: () => resolve(-1),
        }),
      )
      if (source < 0) return
      let chosen = []
      try {
        chosen = await chooseFile(source)
      } catch (err) {
        return // cancelled
      }
      const files = this.data.files.slice()
      chosen.forEach((f) => {
        const problem = registration.attachmentProblem(f, files.length)
        if (problem) {
          toast(problem)
          this.setData({ error: problem })
          return
        }
        const purpose = this.data.purposes.find((p) => p.purpose === this.data.purpose) || this.data.purposes[0]
        files.push({
          ...f,
          purpose: purpose ? purpose.purpose : 'other',
          purposeLabel: purpose ? purpose.label : '其他材料',
          sizeText:
            f.size >= 1048576 ? `${(f.size / 1048576).toFixed(1)} MB` : `${Math.max(1, Math.round(f.size / 1024))} KB`,
          progress: 0,
          state: 'waiting',
          stateText: '待上传',
        })
      })
      this.setData({ files })
    },
    onRemoveFile(e) {
      const i = Number(e.currentTarget.dataset.index)
      if (this.data.files[i].state === 'done') return
      this.setData({ files: this.data.files.filter((_, j) => j !== i) })
    },
    /** Required fields, each error beside its field; the training proof when the kind needs one. */
    check() {
      const errors = {}
      this.data.fields.forEach((f) => {
        const v = this.data.values[f.name]
        const empty = v === undefined || v === null || v === '' || (Array.isArray(v) && !v.length)
        if (f.required && empty)
          errors[f.name] =
            `请${/^(institution|region|filing|choice|practice_scopes)$/.test(f.type) ? '选择' : '填写'}${f.label}`
      })
      return errors
    },
    async onSubmit() {
      const errors = this.check()
      if (Object.keys(errors).length) {
        this.setData({ errors, error: '请完善标红的项目' })
        return
      }
      await askSubscription(['review_result'])
      const r = await run(this, () => this.send(), { success: '已提交' })
      if (r.ok) wx.navigateBack()
    },
    async send() {
      if (!this.draftId) {
        const draft = await registration.createApplication({ kind: this.data.kind, form: this.data.values })
        this.draftId = draft.id
      }
      for (let i = 0; i < this.data.files.length; i += 1) {
        const f = this.data.files[i]
        if (f.state === 'done') continue
        this.setData({ [`files[${i}].state`]: 'uploading', [`files[${i}].stateText`]: '上传中' })
        try {
          await registration.uploadAttachment({
            id: this.draftId,
            filePath: f.path,
            purpose: f.purpose,
            onProgress: (p) => this.setData({ [`files[${i}].progress`]: p }),
          })
          this.setData({
            [`files[${i}].state`]: 'done',
            [`files[${i}].stateText`]: '已上传',
            [`files[${i}].progress`]: 100,
          })
        } catch (err) {
          this.setData({ [`files[${i}].state`]: 'failed', [`files[${i}].stateText`]: messageOf(err) })
          throw err
        }
      }
      return registration.submitDraft(this.draftId)
    },
  },
})
