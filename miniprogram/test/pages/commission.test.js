/** The health commission's figures page (commission/pages/index) against a fake server in the server's shapes. */
const { loadPage, installFakeWx, settle, text } = require('../support/load-page')
const { seed } = require('../support/fixtures')
const F = require('../support/fixtures-office')

function commission(user = F.COMMISSION_USER) {
  const fake = installFakeWx()
  fake.signIn(user)
  seed(fake)
  return fake
}

test('figures by institution and kind in the server’s state words; an entry opens the queue for that kind', async () => {
  const fake = commission()
  const { page, comp } = await loadPage('commission/pages/index/index', { fake })
  const t = text(comp)
  expect(t).toContain('东城区示范医院')
  expect(t).toContain('待审批')
  expect(t).toContain('已批准')
  expect(page.data.kinds.map((k) => [k.title, k.waiting, k.total])).toEqual([
    ['注册', 2, 6],
    ['变更注册', 1, 2],
    ['注册备案（机构申请）', 1, 1],
  ])
  expect(page.data.heads).toEqual(['待机构确认', '待审批', '已批准', '未批准']) // states no application is in are left out
  expect(page.data.institutions[0].rows[0].values).toEqual([1, 2, 3, 0])
  page.onQueue({ currentTarget: { dataset: { kind: 'register' } } })
  expect(fake.calls).toContainEqual(['navigateTo', '/reviewer/pages/queue/index?kind=registry_register'])
})

test('no applications: the empty state says so', async () => {
  const fake = commission()
  fake.route('GET', '/registry/commission/figures', { state_labels: F.FIGURES.state_labels, items: [] })
  const { comp } = await loadPage('commission/pages/index/index', { fake })
  expect(text(comp)).toContain('本辖区暂无业务申请')
})

test('another district is refused with the server message, no figures', async () => {
  const fake = commission()
  fake.route(
    'GET',
    '/registry/commission/figures',
    fake.error(403, 'REGION_FORBIDDEN', '只能查看本辖区的统计', { field: 'region_code' }),
  )
  const { page, comp } = await loadPage('commission/pages/index/index', { fake })
  await settle()
  expect(text(comp)).toContain('只能查看本辖区的统计')
  expect(page.data.kinds).toEqual([])
})

test('an office account is refused (403) on the commission page', async () => {
  const fake = commission(F.OFFICE_USER)
  fake.route('GET', '/registry/commission/figures', fake.error(403, 'ROLE_FORBIDDEN', '当前账号无权使用此功能'))
  const { comp } = await loadPage('commission/pages/index/index', { fake })
  expect(text(comp)).toContain('当前账号无权使用此功能')
})
