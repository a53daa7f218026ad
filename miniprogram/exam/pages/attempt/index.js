/**
 * The exam. Time left is counted from the server's deadline and the server's clock (never the phone's);
 * each answer is saved as it is given, queued and retried when offline, with the state always visible;
 * the law section must be finished before the next one opens; submit asks first for consent to the result
 * message. A killed app comes back here with ?ref= and picks up where it was. A small front-camera preview
 * takes the proctoring photos at the server's random moments (SnapshotScheduler); a refused one says why.
 */
const { ExamSession, rememberCurrent, forgetCurrent } = require('../../../services/exam-session')
const inbox = require('../../../services/inbox')
const { SnapshotScheduler } = require('../../../services/proctoring')
const { deviceId } = require('../../../utils/device')
const { run, confirm, toast } = require('../../../utils/ui')
const { messageOf, clientError } = require('../../../utils/errors')

const { rulesOfSections, SECTION_TEXT } = require('../../../utils/exam-rules')

// While an attempt runs, the back arrow and the swipe back ask first (wx.enableAlertBeforeUnload).
const LEAVE_WARNING = '考试正在进行，计时不会暂停。确定离开吗？答案已自动保存，可从“在线测评”继续作答。'
const TYPE_TEXT = { single: '单选题', multiple: '多选题', true_false: '判断题' }

function sectionKey(s) {
  return typeof s === 'string' ? s : s.section || s.key || s.name
}

Component({
  data: {
    loading: false,
    error: '',
    ref: '',
    sections: [],
    currentSection: '',
    isLastSection: true,
    questions: [],
    index: 0,
    question: null,
    answeredCount: 0,
    saveState: 'saved',
    pendingCount: 0,
    saveMessage: '',
    remainingMs: -1,
    finishing: false,
    submitting: false,
    closed: false,
    snapshotMessage: '',
  },
  methods: {
    async onLoad(query) {
      this.session = null
      this.timer = null
      const id = deviceId()
      const r = await run(this, () =>
        query.ref
          ? ExamSession.resume(decodeURIComponent(query.ref), { deviceId: id })
          : ExamSession.start(query.kind, { captureId: decodeURIComponent(query.capture || ''), deviceId: id }),
      )
      if (!r.ok) {
        if (r.error.code === 'FACE_CAPTURE_REQUIRED' && query.kind) {
          wx.redirectTo({ url: `/exam/pages/capture/index?kind=${query.kind}` })
        }
        return
      }
      this.session = r.result
      rememberCurrent(this.session.ref)
      this.session.onChange((s) =>
        this.setData({ saveState: s.state, pendingCount: s.pendingCount, saveMessage: s.lastError }),
      )
      this.render(0)
      this.tick()
      this.timer = setInterval(() => this.tick(), 1000)
      this.startSnapshots()
      this.guardLeaving(this.session.state !== 'closed')
    },

    guardLeaving(on) {
      try {
        if (on) wx.enableAlertBeforeUnload({ message: LEAVE_WARNING })
        else wx.disableAlertBeforeUnload()
      } catch (e) {
        // an old base library without the API: nothing to guard with
      }
    },

    startSnapshots() {
      if (this.session.state === 'closed') return
      this.snapshots = new SnapshotScheduler({
        attemptRef: this.session.ref,
        takePhoto: () => this.takePhoto(),
        onResult: (res) =>
          this.setData({
            snapshotMessage: res.accepted ? '' : res.message || (res.error ? messageOf(res.error) : '监考拍照未通过'),
          }),
      })
      // The exam goes on if the schedule cannot be read; the server flags the photos that never came.
      this.snapshots.start().catch((err) => this.setData({ snapshotMessage: messageOf(err) }))
    },

    takePhoto() {
      return new Promise((resolve, reject) => {
        wx.createCameraContext().takePhoto({
          quality: 'low',
          success: (res) => resolve(res.tempImagePath),
          fail: () => reject(clientError('CAMERA_FAILED')),
        })
      })
    },

    onHide() {
      // Going to the background: try to send what is queued now, while the app still runs.
      if (this.session) this.session.flush()
    },

    onUnload() {
      this.guardLeaving(false)
      if (this.timer) clearInterval(this.timer)
      if (this.snapshots) this.snapshots.stop()
      if (this.session) this.session.dispose()
    },

    render(index) {
      const s = this.session
      const sectionList = s.attempt.sections || []
      const sections = sectionList.map(sectionKey)
      const titles = {}
      sectionList.forEach(
        (x) =>
          (titles[sectionKey(x)] = (typeof x === 'object' && x.title) || SECTION_TEXT[sectionKey(x)] || sectionKey(x)),
      )
      const current = s.attempt.current_section || sections[0] || ''
      const questions = s.questionsOf(current || null)
      const i = Math.max(0, Math.min(index, questions.length - 1))
      const q = questions[i]
      const chosen = q ? s.answers[q.question_ref] || [] : []
      const rules = rulesOfSections(sectionList)
      this.setData({
        ref: s.ref,
        rule: rules.find((x) => x.section === current) || null,
        sections: sections.map((k) => ({ key: k, title: titles[k], current: k === current })),
        currentSection: current,
        isLastSection: !sections.length || sections.indexOf(current) === sections.length - 1,
        questions: questions.map((x) => ({
          ref: x.question_ref,
          answered: Boolean((s.answers[x.question_ref] || []).length),
        })),
        index: i,
        answeredCount: questions.filter((x) => (s.answers[x.question_ref] || []).length).length,
        question: q
          ? {
              ...q,
              typeText: TYPE_TEXT[q.type] || '',
              options: q.options.map((o) => ({ ...o, checked: chosen.includes(o.option_id) })),
            }
          : null,
        saveState: s.state,
        pendingCount: Object.keys(s.pending).length,
        closed: s.state === 'closed',
      })
    },

    tick() {
      if (!this.session) return
      const ms = this.session.remainingMs()
      this.setData({ remainingMs: ms === null ? -1 : ms })
      if (ms === 0 && !this.timeUp) this.onTimeUp()
    },

    async onTimeUp() {
      this.timeUp = true
      this.guardLeaving(false)
      if (this.timer) clearInterval(this.timer)
      await this.session.flush().catch(() => undefined)
      forgetCurrent()
      wx.showModal({ title: '考试时间到', content: '已到交卷时间，系统已自动交卷。', showCancel: false })
      wx.redirectTo({ url: '/exam/pages/results/index' })
    },

    onSelect(e) {
      const optionId = e.currentTarget.dataset.id
      const q = this.data.question
      if (!q || this.data.closed) return
      const current = this.session.answers[q.question_ref] || []
      let next
      if (q.type === 'multiple') {
        next = current.includes(optionId) ? current.filter((x) => x !== optionId) : current.concat(optionId).sort()
      } else {
        next = [optionId]
      }
      try {
        this.session.answer(q.question_ref, next)
      } catch (err) {
        this.setData({ error: messageOf(err) })
      }
      this.render(this.data.index)
    },

    onPrev() {
      this.render(this.data.index - 1)
    },
    onNext() {
      this.render(this.data.index + 1)
    },
    onJump(e) {
      this.render(Number(e.currentTarget.dataset.index))
    },

    async onFinishSection() {
      const unanswered = this.data.questions.length - this.data.answeredCount
      const rule = this.data.rule
      // The end of the law section: say again what its mark decides, in the server's numbers.
      const gate = rule ? `${rule.text}；${rule.consequence}。` : ''
      const ok = await confirm({
        title: '完成本部分',
        content:
          (unanswered ? `还有 ${unanswered} 题未作答，完成后不能再修改本部分答案。` : '完成后不能再修改本部分答案。') +
          gate,
      })
      if (!ok) return
      const r = await run(this, () => this.session.finishSection(this.data.currentSection), { key: 'finishing' })
      if (!r.ok) return
      if (this.session.state === 'closed') {
        // The law section was not passed: the attempt ends here (end_reason law_gate) and is scored.
        this.guardLeaving(false)
        forgetCurrent()
        if (this.timer) clearInterval(this.timer)
        wx.redirectTo({ url: `/exam/pages/results/index?ref=${encodeURIComponent(this.session.ref)}` })
        return
      }
      this.render(0)
    },

    async onSubmit() {
      // WeChat allows the subscribe prompt only right after a tap: ask first, before anything else.
      const subscription = await inbox.requestSubscription(['assessment_result'])
      // Not recorded: the result still comes to the inbox; say so rather than fail silently.
      if (subscription.error) toast(`订阅消息未能开启：${messageOf(subscription.error)}`)
      const unanswered = this.data.questions.length - this.data.answeredCount
      const ok = await confirm({
        title: '交卷',
        content: unanswered ? `还有 ${unanswered} 题未作答，确认交卷？` : '交卷后不能再修改答案，确认交卷？',
      })
      if (!ok) return
      const r = await run(this, () => this.session.submit(), { key: 'submitting' })
      if (!r.ok) return
      this.guardLeaving(false)
      forgetCurrent()
      if (this.timer) clearInterval(this.timer)
      wx.redirectTo({ url: `/exam/pages/results/index?ref=${encodeURIComponent(this.session.ref)}` })
    },
  },
})
