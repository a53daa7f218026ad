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
  expect(pageFor({ kind: 'something.new', link: null })).toBeNull()
})

test('reviews: every review kind the server registers has a tab title', () => {
  const { KIND_TITLES } = require('../../services/reviews')
  expect(KIND_TITLES.assessment_enrolment).toBe('定期考核报名（信息确认）')
  expect(Object.keys(KIND_TITLES)).toHaveLength(16)
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
