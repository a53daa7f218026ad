/** The institution's workbench home: its name, counts (pending reviews, physicians, not activated), entries. */
const institution = require('../../../services/institution')
const reviews = require('../../../services/reviews')
const { run } = require('../../../utils/ui')
const { requireLogin, go } = require('../../../utils/page')

const ENTRIES = [
  { url: '/reviewer/pages/queue/index', title: '审核工作台', note: '待本院审核的事项', count: 'pending' },
  {
    url: '/institution/pages/physicians/index',
    title: '本院医师',
    note: '激活、撤销、重置密码、定考账号',
    count: 'physicians',
  },
  { url: '/institution/pages/multi-site/index', title: '多机构备案', note: '备案在本院 / 本院医师在外院' },
  { url: '/institution/pages/filings/index', title: '注册备案与注销', note: '本院申请的备案和注销' },
  { url: '/institution/pages/departments/index', title: '科室字典', note: '新增、修改、删除科室' },
  { url: '/institution/pages/authorities/index', title: '审批机关', note: '各类别医师的审批机关' },
  { url: '/institution/pages/lookup/index', title: '资格与注册查询', note: '按姓名和证件号码查询' },
]

Component({
  data: { name: '', counts: null, entries: [], loading: false, error: '', offline: false },
  methods: {
    onShow() {
      if (!requireLogin()) return undefined
      return this.reload()
    },

    async reload() {
      const r = await run(this, () => Promise.all([reviews.counts(), institution.allPhysicians()]), { quiet: true })
      if (!r.ok) return
      const [queue, people] = r.result
      const counts = {
        pending: queue.total,
        physicians: people.length,
        notActivated: people.filter((p) => p.account_status !== 'active').length,
      }
      this.setData({ counts, entries: ENTRIES.map((e) => ({ ...e, badge: e.count ? counts[e.count] : null })) })
      this.setData({ name: await this.institutionName(people) })
    },

    /** The institution by name (never its id): the server names it on each of its physicians. */
    async institutionName(people) {
      const own = people.find((p) => p.main_institution_name)
      return own ? own.main_institution_name : '本机构'
    },

    onOpen(e) {
      go(e.currentTarget.dataset.url)
    },

    goNotActivated() {
      go('/institution/pages/physicians/index?state=not_active')
    },
  },
})
