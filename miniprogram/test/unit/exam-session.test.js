/** The exam's answer queue, clock and resume, against an in-memory exam API. */
const { ApiError } = require('../../utils/errors')
const { ExamSession, storageKey } = require('../../services/exam-session')

function memoryStorage() {
  const m = new Map()
  return {
    m,
    get: (k) => (m.has(k) ? JSON.parse(m.get(k)) : null),
    set: (k, v) => m.set(k, JSON.stringify(v)),
    remove: (k) => m.delete(k),
  }
}

function fakeTimers() {
  const queue = []
  return {
    queue,
    setTimeout: (fn, ms) => {
      const t = { fn, ms }
      queue.push(t)
      return t
    },
    clearTimeout: (t) => {
      const i = queue.indexOf(t)
      if (i >= 0) queue.splice(i, 1)
    },
    runNext() {
      const t = queue.shift()
      if (t) t.fn()
      return t
    },
  }
}

const T0 = Date.parse('2026-06-01T02:00:00Z')

function attempt(extra = {}) {
  return {
    attempt_ref: 'att-1',
    exam_kind: 'humanities',
    status: 'in_progress',
    started_at: '2026-06-01T02:00:00Z',
    deadline_at: '2026-06-01T03:00:00Z',
    server_time: '2026-06-01T02:00:00Z',
    current_section: 'law',
    sections: ['law', 'humanities'],
    questions: [
      { question_ref: 'q1', section: 'law', type: 'single', stem: '1', options: [{ option_id: 'a', text: 'A' }] },
      { question_ref: 'q2', section: 'law', type: 'multiple', stem: '2', options: [{ option_id: 'a', text: 'A' }] },
      { question_ref: 'q3', section: 'humanities', type: 'single', stem: '3', options: [] },
    ],
    answers: [],
    ...extra,
  }
}

function fakeApi() {
  const server = { answers: {}, offline: false, saves: [], refuse: null, attempt: attempt() }
  const api = {
    server,
    start: jest.fn(async () => server.attempt),
    attempt: jest.fn(async () => ({
      ...server.attempt,
      answers: Object.keys(server.answers).map((q) => ({ question_ref: q, ...server.answers[q] })),
    })),
    saveAnswer: jest.fn(async (ref, q, { optionIds, seq, deviceId }) => {
      if (server.offline) throw new ApiError({ code: 'NETWORK' })
      if (server.refuse) throw server.refuse
      server.saves.push({ q, seq, optionIds, deviceId })
      const prev = server.answers[q]
      if (!prev || prev.seq < seq) server.answers[q] = { option_ids: optionIds, seq }
      return {
        question_ref: q,
        seq,
        saved_at: '2026-06-01T02:10:00Z',
        server_time: '2026-06-01T02:10:00Z',
        deadline_at: '2026-06-01T03:00:00Z',
        applied: true,
      }
    }),
    // The server answers finish and submit with the whole attempt (AttemptOut).
    finishSection: jest.fn(async () => {
      server.attempt = { ...server.attempt, current_section: 'humanities' }
      return {
        ...server.attempt,
        answers: Object.keys(server.answers).map((q) => ({ question_ref: q, ...server.answers[q] })),
      }
    }),
    submit: jest.fn(async () => ({ ...server.attempt, status: 'scored', score: 50, passed: false })),
  }
  return api
}

function make(api, storage = memoryStorage(), timers = fakeTimers(), now = () => T0) {
  return { api, storage, timers, now, deviceId: 'dev-1' }
}

test('countdown comes from the server deadline and clock, not the phone clock', async () => {
  const api = fakeApi()
  // The phone is 7 minutes fast.
  let phone = T0 + 7 * 60000
  const s = await ExamSession.start('humanities', {
    captureId: 'c1',
    ...make(api, memoryStorage(), fakeTimers(), () => phone),
  })
  expect(s.remainingMs()).toBe(60 * 60000)
  phone += 60000
  expect(s.remainingMs()).toBe(59 * 60000)
  expect(api.start).toHaveBeenCalledWith('humanities', { captureId: 'c1', deviceId: 'dev-1' })
})

test('each answer is saved with a strictly increasing seq and the device id; state goes saving → saved', async () => {
  const api = fakeApi()
  const s = await ExamSession.start('humanities', { captureId: 'c1', ...make(api) })
  const states = []
  s.onChange((x) => states.push(x.state))
  await s.answer('q1', ['a'])
  await s.answer('q2', ['a', 'b'])
  await s.answer('q1', ['b'])
  expect(api.server.saves.map((x) => [x.q, x.seq])).toEqual([
    ['q1', 1],
    ['q2', 2],
    ['q1', 3],
  ])
  expect(api.server.saves.every((x) => x.deviceId === 'dev-1')).toBe(true)
  expect(api.server.answers.q1).toEqual({ option_ids: ['b'], seq: 3 })
  expect(states).toContain('saving')
  expect(s.state).toBe('saved')
})

test('offline: answers wait in a stored queue (newest per question), retried with back-off, then sent', async () => {
  const api = fakeApi()
  const storage = memoryStorage()
  const timers = fakeTimers()
  const s = await ExamSession.start('humanities', { captureId: 'c1', ...make(api, storage, timers) })
  api.server.offline = true
  await s.answer('q1', ['a'])
  expect(s.state).toBe('offline')
  await s.answer('q1', ['b']) // replaces the queued one
  await s.answer('q2', ['a'])
  expect(Object.keys(s.pending)).toEqual(['q1', 'q2'])
  expect(storage.get(storageKey('att-1')).pending.q1).toEqual({ option_ids: ['b'], seq: 2 })
  expect(timers.queue.length).toBe(1)

  // Still offline at the first retry: the next one waits longer.
  const first = timers.queue[0].ms
  timers.runNext()
  await s.flushing
  expect(timers.queue[0].ms).toBeGreaterThan(first)

  api.server.offline = false
  timers.runNext()
  await s.flushing
  expect(s.state).toBe('saved')
  expect(s.pending).toEqual({})
  expect(api.server.answers).toEqual({ q1: { option_ids: ['b'], seq: 2 }, q2: { option_ids: ['a'], seq: 3 } })
  expect(storage.get(storageKey('att-1')).pending).toEqual({})
})

test('resume after the app was killed: server answers plus the local queue; seq continues above both', async () => {
  const api = fakeApi()
  const storage = memoryStorage()
  const s = await ExamSession.start('humanities', { captureId: 'c1', ...make(api, storage) })
  await s.answer('q1', ['a']) // saved, seq 1
  api.server.offline = true
  await s.answer('q2', ['a']) // queued, seq 2
  s.dispose() // the app is killed

  api.server.offline = false
  const again = await ExamSession.resume('att-1', make(api, storage))
  await again.flushing
  expect(again.answers).toEqual({ q1: ['a'], q2: ['a'] })
  expect(api.server.answers.q2).toEqual({ option_ids: ['a'], seq: 2 })
  await again.answer('q3', ['x'])
  expect(api.server.answers.q3.seq).toBe(3)
})

test('resume drops a queued answer the server already has a newer one for (another device won)', async () => {
  const api = fakeApi()
  const storage = memoryStorage()
  storage.set(storageKey('att-1'), { pending: { q1: { option_ids: ['old'], seq: 4 } }, seq: 4 })
  api.server.answers.q1 = { option_ids: ['new'], seq: 9 }
  const s = await ExamSession.resume('att-1', make(api, storage))
  expect(s.answers.q1).toEqual(['new'])
  expect(s.pending).toEqual({})
  expect(s.seq).toBe(9)
})

test('the server closing the attempt stops saving; submit refuses while answers are unsaved', async () => {
  const api = fakeApi()
  const s = await ExamSession.start('humanities', { captureId: 'c1', ...make(api) })
  api.server.offline = true
  await s.answer('q1', ['a'])
  await expect(s.submit()).rejects.toMatchObject({ code: 'ANSWERS_PENDING' })
  expect(api.submit).not.toHaveBeenCalled()

  api.server.offline = false
  api.server.refuse = new ApiError({ code: 'ATTEMPT_CLOSED', status: 409, message: '考试已结束' })
  await s.flush()
  expect(s.state).toBe('closed')
  expect(() => s.answer('q2', ['a'])).toThrow('考试已结束，答案不再保存')
})

test('a refused answer (bad option) is dropped with its reason shown; the others still go', async () => {
  const api = fakeApi()
  const s = await ExamSession.start('humanities', { captureId: 'c1', ...make(api) })
  api.server.refuse = new ApiError({ code: 'OPTION_INVALID', status: 422, message: '选项不存在' })
  await s.answer('q1', ['zz'])
  expect(s.state).toBe('error')
  expect(s.snapshot().lastError).toBe('选项不存在')
  api.server.refuse = null
  await s.answer('q2', ['a'])
  expect(api.server.answers.q2.seq).toBe(2)
})

test('section gate and submit: flush first, then finish / submit, local queue cleared', async () => {
  const api = fakeApi()
  const storage = memoryStorage()
  const s = await ExamSession.start('humanities', { captureId: 'c1', ...make(api, storage) })
  await s.answer('q1', ['a'])
  await s.finishSection('law')
  expect(api.finishSection).toHaveBeenCalledWith('att-1', 'law', { deviceId: 'dev-1' })
  expect(s.attempt.current_section).toBe('humanities')
  expect(s.questionsOf(s.attempt.current_section).map((q) => q.question_ref)).toEqual(['q3'])
  await s.answer('q3', ['x'])
  await s.submit()
  expect(api.submit).toHaveBeenCalled()
  expect(storage.get(storageKey('att-1'))).toBeNull()
  expect(s.state).toBe('closed')
})
