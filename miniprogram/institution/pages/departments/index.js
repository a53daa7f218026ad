/** The institution's department dictionary: add, rename, delete (the server refuses while physicians are in it). */
const institution = require('../../../services/institution')
const { run, confirm, exclusive } = require('../../../utils/ui')
const { requireLogin, formMethods } = require('../../../utils/page')

Component({
  data: {
    items: [],
    loaded: false,
    newName: '',
    editing: null,
    editName: '',
    formError: '',
    loading: false,
    saving: false,
    error: '',
    offline: false,
  },
  methods: {
    ...formMethods,

    onShow() {
      if (!requireLogin()) return undefined
      return this.reload()
    },

    async reload() {
      const r = await run(this, () => institution.departments(), { quiet: true })
      if (r.ok) this.setData({ items: r.result, loaded: true })
    },

    onAdd() {
      return exclusive(this, async () => {
        const name = this.data.newName.trim()
        if (!name) {
          this.setData({ formError: '请输入科室名称' })
          return
        }
        if (this.data.saving) return
        const r = await run(this, () => institution.addDepartment(name), {
          key: 'saving',
          errorKey: 'formError',
          success: '已新增',
        })
        if (!r.ok) return
        this.setData({ newName: '' })
        await this.reload()
      })
    },

    onEdit(e) {
      const item = this.data.items.find((d) => d.id === Number(e.currentTarget.dataset.id))
      this.setData({ editing: item ? item.id : null, editName: item ? item.name : '', formError: '' })
    },

    onCancelEdit() {
      this.setData({ editing: null, editName: '' })
    },

    onRename() {
      return exclusive(this, async () => {
        const name = this.data.editName.trim()
        if (!name) {
          this.setData({ formError: '请输入科室名称' })
          return
        }
        if (this.data.saving) return
        const id = this.data.editing
        const r = await run(this, () => institution.renameDepartment(id, name), {
          key: 'saving',
          errorKey: 'formError',
          success: '已修改',
        })
        if (!r.ok) return
        this.setData({ editing: null, editName: '' })
        await this.reload()
      })
    },

    onDelete(e) {
      return exclusive(this, async () => {
        const item = this.data.items.find((d) => d.id === Number(e.currentTarget.dataset.id))
        if (!item || this.data.saving) return
        const ok = await confirm({
          title: '删除科室',
          content: `删除“${item.name}”？仍有医师在该科室时不能删除。`,
          confirmText: '删除',
          danger: true,
        })
        if (!ok) return
        const r = await run(this, () => institution.deleteDepartment(item.id), {
          key: 'saving',
          errorKey: 'formError',
          success: '已删除',
        })
        if (r.ok) await this.reload()
      })
    },
  },
})
