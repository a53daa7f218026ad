/**
 * Home: for a physician, where I stand in registration and assessment, what to do next, the open windows and
 * unread messages; for a staff account, its workbench by role (the institution's, the office's, the
 * commission's, the reviewer queue, staff accounts) instead of the physician's cards.
 */
const store = require('../../utils/auth-store')
const assessment = require('../../services/assessment')
const registration = require('../../services/registration')
const inbox = require('../../services/inbox')
const reviews = require('../../services/reviews')
const { currentAttempt } = require('../../services/exam-session')
const { messageOf } = require('../../utils/errors')
const { formatTime } = require('../../utils/ui')
const { requireLogin, go } = require('../../utils/page')

const WINDOW_TEXT = {
  enrolment: '报名',
  self_evaluation: '自评',
  review: '审核',
  exam: '考试',
  make_up: '补考',
  exemption: '免考申请',
}

const QUEUE = { key: 'queue', title: '审核工作台', text: '待我审核的事项', url: '/reviewer/pages/queue/index' }
const STAFF = { key: 'staff', title: '工作人员账号', text: '新建、停用账号，重置密码', url: '/staff/pages/list/index' }
const OFFICE = {
  key: 'office',
  title: '考核机构工作台',
  text: '考核安排、成绩与统计',
  url: '/office/pages/index/index',
}
// What each staff role works with, first the role's own workbench (pages on their own subpackages).
const WORKBENCH = {
  institution_reviewer: [
    {
      key: 'institution',
      title: '机构工作台',
      text: '本机构医师、注册与考核事务',
      url: '/institution/pages/index/index',
    },
    QUEUE,
  ],
  office_reviewer: [OFFICE, QUEUE, STAFF],
  commission_reviewer: [
    {
      key: 'commission',
      title: '卫生健康行政部门工作台',
      text: '注册审批、机构与考核监管',
      url: '/commission/pages/index/index',
    },
    QUEUE,
    STAFF,
  ],
  admin: [STAFF, OFFICE],
}

Component({
  data: {
    loading: false,
    user: null,
    isReviewer: false,
    isStaff: false,
    workbench: [],
    registration: null,
    registrationError: '',
    assessment: null,
    assessmentError: '',
    windows: [],
    nextStep: null,
    unread: 0,
    unreadError: '',
    pendingReviews: 0,
    reviewError: '',
    resumeRef: null,
  },
  methods: {
    onShow() {
      if (!requireLogin()) return undefined
      return this.refresh()
    },

    async onPullDownRefresh() {
      await this.refresh()
      wx.stopPullDownRefresh()
    },

    /** Each block loads on its own: a part that fails says so in its card and the others still show. */
    async refresh() {
      const user = store.user()
      const isReviewer = store.isReviewer()
      const workbench = (user && WORKBENCH[user.role]) || []
      const isStaff = workbench.length > 0
      this.setData({
        loading: true,
        user,
        isReviewer,
        isStaff,
        workbench,
        resumeRef: isStaff ? null : currentAttempt(),
      })
      const jobs = [this.loadUnread()]
      if (isReviewer) jobs.push(this.loadReviewCounts())
      if (!isStaff) jobs.push(this.loadRegistration(), this.loadAssessment())
      await Promise.all(jobs)
      this.setData({ loading: false })
    },

    async loadUnread() {
      try {
        const unread = await inbox.unreadCount()
        this.setData({ unread: unread || 0, unreadError: '' })
        if (unread) wx.setTabBarBadge({ index: 1, text: String(Math.min(unread, 99)) })
        else wx.removeTabBarBadge({ index: 1 })
      } catch (err) {
        this.setData({ unread: 0, unreadError: messageOf(err) })
      }
    },

    async loadReviewCounts() {
      try {
        const res = await reviews.counts()
        this.setData({ pendingReviews: res.total })
      } catch (err) {
        this.setData({ reviewError: messageOf(err) })
      }
    },

    async loadRegistration() {
      try {
        this.setData({ registration: registration.summary(await registration.myData()), registrationError: '' })
      } catch (err) {
        this.setData({ registration: null, registrationError: messageOf(err) })
      }
    },

    async loadAssessment() {
      try {
        const home = await assessment.home()
        const windows = (home.windows || []).map((w) => ({
          ...w,
          title: w.label || WINDOW_TEXT[w.kind] || w.kind,
          opens: formatTime(w.opens_at),
          closes: formatTime(w.closes_at),
        }))
        const page = assessment.STEP_PAGES[home.current_step] || '/assessment/pages/index/index'
        this.setData({
          assessment: { ...home, cycleName: home.cycle ? home.cycle.name : '' },
          windows,
          nextStep: home.next_action ? { title: home.next_action, page } : null,
          assessmentError: '',
        })
      } catch (err) {
        this.setData({ assessment: null, assessmentError: messageOf(err) })
      }
    },

    goNext() {
      const step = this.data.nextStep
      if (step && step.page) go(step.page)
    },
    goRegistration: () => go('/registration/pages/index/index'),
    goAssessment: () => go('/assessment/pages/index/index'),
    goExams: () => go('/exam/pages/index/index'),
    goReviews: () => go('/reviewer/pages/queue/index'),
    onWorkbench(e) {
      go(e.currentTarget.dataset.url)
    },
    goInbox: () => wx.switchTab({ url: '/pages/inbox/index' }),
    resumeExam() {
      go(`/exam/pages/attempt/index?ref=${encodeURIComponent(this.data.resumeRef)}`)
    },
  },
})
