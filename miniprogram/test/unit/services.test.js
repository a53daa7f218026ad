/** Service-level helpers that translate the server's shapes for the pages. */
const { installFakeWx } = require('../support/load-page')

beforeEach(() => installFakeWx())

test("inbox: the server's message links lead to this mini-program's pages", () => {
  const { pageFor } = require('../../services/inbox')
  const review = (kind) => ({ kind: 'review.decided', link: '/pages/reviews/detail?id=4', data: { item_id: 4, kind } })
  expect(pageFor(review('assessment_enrolment'))).toBe('/assessment/pages/index/index')
  expect(pageFor(review('assessment_self_evaluation'))).toBe('/assessment/pages/index/index')
  expect(pageFor(review('registry_photo'))).toBe('/registration/pages/info-change/index')
  expect(pageFor(review('registry_change'))).toBe('/registration/pages/applications/index')
  expect(pageFor(review('someone_elses_kind'))).toBeNull()
  expect(pageFor({ kind: 'exam.scored', link: '/pages/exams/results', data: { attempt_ref: 'a/1' } })).toBe(
    '/exam/pages/results/index?ref=a%2F1',
  )
  expect(pageFor({ kind: 'assessment.result_ready', link: '/pages/assessment/result?id=3', data: {} })).toBe(
    '/assessment/pages/result/index',
  )
  expect(pageFor({ kind: 'account.security', link: '/pages/me/security' })).toBe('/pages/settings/sessions')
  expect(pageFor({ kind: 'assessment.reminder', link: '/assessment/pages/index/index', data: {} })).toBe(
    '/assessment/pages/index/index',
  )
  expect(pageFor({ kind: 'something.new', link: null })).toBeNull()
})

test('reviews: every review kind the server registers has a tab title', () => {
  const { KIND_TITLES } = require('../../services/reviews')
  expect(KIND_TITLES.assessment_enrolment).toBe('定期考核报名（信息确认）')
  expect(Object.keys(KIND_TITLES)).toHaveLength(18)
})

test('auth: registration sends the versions the server names, the built-in ones when it has no such route', async () => {
  const fake = installFakeWx()
  const auth = require('../../services/auth')
  expect(await auth.agreements()).toEqual({ agreement_version: '2026.1', privacy_version: '2026.1' })
  fake.route('GET', '/auth/agreements', { agreement_version: '2027.2', privacy_version: '2027.1' })
  let body = null
  fake.route('POST', '/auth/register', (req) => {
    body = req.data
    return { statusCode: 201, data: { access_token: 'at', refresh_token: 'rt', expires_in: 900 } }
  })
  fake.route('GET', '/me', { id: 1, role: 'physician' })
  await auth.registerWithSms({ phone: '13911112222', smsCode: '123456', password: 'Mima-2026-abc' })
  expect(body).toMatchObject({ agreement_version: '2027.2', privacy_version: '2027.1' })
})

describe('proctoring: SnapshotScheduler', () => {
  const { SnapshotScheduler } = require('../../services/proctoring')
  const T0 = Date.parse('2026-06-01T02:30:00Z')

  function fakeTimers() {
    const list = []
    return {
      list,
      setTimeout: (f, ms) => {
        const t = { f, ms }
        list.push(t)
        return t
      },
      clearTimeout: (t) => {
        t.cleared = true
      },
    }
  }

  function plan(extra = {}) {
    return {
      attempt_ref: 'att-1',
      started_at: '2026-06-01T02:00:00Z',
      server_time: '2026-06-01T02:30:05Z', // the phone is 5 s behind the server
      offsets_s: [300, 1750, 1830, 3000],
      due_at: ['2026-06-01T02:05:00Z', '2026-06-01T02:29:10Z', '2026-06-01T02:30:30Z', '2026-06-01T02:50:00Z'],
      taken_slots: [0],
      grace_s: 120,
      closed: false,
      ...extra,
    }
  }

  test('remaining slots timed by the server clock; one still in its grace at once; missed and taken ones left', async () => {
    const timers = fakeTimers()
    const api = { schedule: jest.fn(async () => plan()), uploadSnapshot: jest.fn() }
    const s = new SnapshotScheduler({ attemptRef: 'att-1', takePhoto: jest.fn(), api, timers, now: () => T0 })
    expect(await s.start()).toEqual([1, 2, 3])
    expect(timers.list.map((t) => t.ms)).toEqual([0, 25000, 1195000])
  })

  test('a due slot: photo taken and uploaded, the result reported; a network failure retried, a refusal not', async () => {
    const timers = fakeTimers()
    const results = []
    let fail = { status: 0, offline: true }
    const api = {
      schedule: jest.fn(async () => plan({ due_at: ['2026-06-01T02:30:05Z'], taken_slots: [] })),
      uploadSnapshot: jest.fn(async ({ attemptRef, filePath }) => {
        if (fail) throw fail
        return { accepted: true, slot: 0, attemptRef, filePath }
      }),
    }
    const takePhoto = jest.fn(async () => '/tmp/snap.jpg')
    const s = new SnapshotScheduler({
      attemptRef: 'att-1',
      takePhoto,
      api,
      timers,
      now: () => T0,
      onResult: (r) => results.push(r),
    })
    await s.start()
    await timers.list[0].f()
    expect(results).toEqual([])
    expect(timers.list[1].ms).toBe(3000) // retry
    fail = null
    await timers.list[1].f()
    expect(results).toEqual([{ slot: 0, accepted: true, attemptRef: 'att-1', filePath: '/tmp/snap.jpg' }])

    fail = { status: 409, code: 'ATTEMPT_CLOSED' }
    await s.fire(0, 0)
    expect(results[1]).toMatchObject({ slot: 0, accepted: false, error: fail })
    expect(timers.list).toHaveLength(2) // no retry of a refusal
  })

  test('a closed attempt plans nothing; stop clears the timers', async () => {
    const timers = fakeTimers()
    const closed = new SnapshotScheduler({
      attemptRef: 'att-1',
      takePhoto: jest.fn(),
      api: { schedule: async () => plan({ closed: true }) },
      timers,
      now: () => T0,
    })
    expect(await closed.start()).toEqual([])
    const s = new SnapshotScheduler({
      attemptRef: 'att-1',
      takePhoto: jest.fn(),
      api: { schedule: async () => plan() },
      timers,
      now: () => T0,
    })
    await s.start()
    s.stop()
    expect(timers.list.every((t) => t.cleared)).toBe(true)
  })
})
