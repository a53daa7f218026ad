/** Home: where I stand in registration and assessment, what to do next, the open windows, unread messages. */
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

Component({
  data: {
    loading: false,
    user: null,
    isReviewer: false,
    registration: null,
    registrationError: '',
    assessment: null,
    assessmentError: '',
    windows: [],
    nextStep: null,
    unread: 0,
    unreadError: '',
    pendingReviews: 0,
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
      this.setData({ loading: true, user, isReviewer, resumeRef: currentAttempt() })
      const jobs = [this.loadUnread()]
      if (isReviewer) jobs.push(this.loadReviewCounts())
      else jobs.push(this.loadRegistration(), this.loadAssessment())
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
        this.setData({ assessmentError: messageOf(err) })
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
    goInbox: () => wx.switchTab({ url: '/pages/inbox/index' }),
    resumeExam() {
      go(`/exam/pages/attempt/index?ref=${encodeURIComponent(this.data.resumeRef)}`)
    },
  },
})
