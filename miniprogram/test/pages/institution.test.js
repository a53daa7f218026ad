/** The institution workbench (institution/pages/*): each page's happy path, a bad input, and the wrong role. */
const { loadPage, installFakeWx, settle, text } = require('../support/load-page')
const { seedInstitution, LOOKUP, filing } = require('../support/fixtures-institution')

const STAFF = { id: 9, role: 'institution_reviewer', username: 'dc_hospital', phone: null }
const FORBIDDEN = ['当前账号无权使用此功能']

function staff() {
  const fake = installFakeWx()
  fake.signIn(STAFF)
  seedInstitution(fake)
  fake.route('GET', '/reviews/queue/counts', { counts: { registry_info_change: 2 }, total: 2 })
  return fake
}

/** A physician signed in: every institution route answers the server's 403. */
function physician() {
  const fake = installFakeWx()
  fake.signIn()
  const no = fake.error(403, 'ROLE_FORBIDDEN', FORBIDDEN[0])
  ;[
    '/registry/institution/physicians',
    '/registry/institution/multi-site',
    '/registry/institution/departments',
    '/registry/institution/approval-authorities',
    '/registry/institution/filings',
    '/reviews/queue/counts',
  ].forEach((p) => fake.route('GET', p, no))
  fake.route('GET', '/lookups/practice-categories', { items: [] })
  fake.route('POST', '/registry/lookup', no)
  return fake
}

const sent = (fake, method, path) => fake.requests.filter((r) => r.method === method && r.path === path)

describe('home', () => {
  test('name, counts and every entry', async () => {
    const fake = staff()
    const { page, comp } = await loadPage('institution/pages/index/index', { fake })
    const t = text(comp)
    expect(t).toContain('东城区示范医院')
    expect(page.data.counts).toEqual({ pending: 2, physicians: 3, notActivated: 2 })
    ;['审核工作台', '本院医师', '多机构备案', '注册备案与注销', '科室字典', '审批机关', '资格与注册查询'].forEach((w) =>
      expect(t).toContain(w),
    )
    page.onOpen({ currentTarget: { dataset: { url: '/reviewer/pages/queue/index' } } })
    page.goNotActivated()
    expect(fake.calls).toContainEqual(['navigateTo', '/reviewer/pages/queue/index'])
    expect(fake.calls).toContainEqual(['navigateTo', '/institution/pages/physicians/index?state=not_active'])
  })

  test('offline: the offline state with 重试, which loads again', async () => {
    const fake = staff()
    fake.setOffline(true)
    const { page, comp } = await loadPage('institution/pages/index/index', { fake })
    expect(page.data.offline).toBe(true)
    expect(text(comp)).toContain('重试')
    fake.setOffline(false)
    await page.reload()
    await settle()
    expect(page.data.counts.physicians).toBe(3)
  })

  test('a physician is refused with the server message and sees no data', async () => {
    const { page, comp } = await loadPage('institution/pages/index/index', { fake: physician() })
    expect(text(comp)).toContain(FORBIDDEN[0])
    expect(page.data.counts).toBeNull()
  })
})

describe('physicians', () => {
  test('list, filter by activation state, search by name, open one', async () => {
    const fake = staff()
    const { page, comp } = await loadPage('institution/pages/physicians/index', { fake })
    expect(page.data.items.map((p) => p.name)).toEqual(['陈晨', '林琳', '王芳'])
    expect(text(comp)).toContain('已实名，待激活')
    expect(text(comp)).toContain('临床执业医师')
    page.onFilter({ currentTarget: { dataset: { code: 'not_active' } } })
    expect(page.data.items.map((p) => p.name)).toEqual(['陈晨', '王芳'])
    page.onFilter({ currentTarget: { dataset: { code: 'active' } } })
    expect(page.data.items.map((p) => p.name)).toEqual(['林琳'])
    page.onFilter({ currentTarget: { dataset: { code: '' } } })
    page.onSearchInput({ detail: { value: '陈' } })
    await page.onSearch()
    await settle()
    expect(sent(fake, 'GET', '/registry/institution/physicians').pop().query.name).toBe('陈')
    expect(page.data.items.map((p) => p.name)).toEqual(['陈晨'])
    page.onOpen({ currentTarget: { dataset: { id: 11 } } })
    expect(fake.calls).toContainEqual(['navigateTo', '/institution/pages/physician/index?id=11'])
  })

  test('opened from the home count: only those not activated', async () => {
    const { page } = await loadPage('institution/pages/physicians/index', {
      fake: staff(),
      query: { state: 'not_active' },
    })
    expect(page.data.items.map((p) => p.name)).toEqual(['陈晨', '王芳'])
  })

  test('a search the server refuses shows its message', async () => {
    const fake = staff()
    const { page, comp } = await loadPage('institution/pages/physicians/index', { fake })
    fake.route('GET', '/registry/institution/physicians', fake.error(422, 'VALIDATION_FAILED', '提交的数据格式不正确'))
    page.onSearchInput({ detail: { value: 'x'.repeat(80) } })
    await page.onSearch()
    await settle()
    expect(page.data.error).toBe('提交的数据格式不正确')
    expect(text(comp)).toContain('提交的数据格式不正确')
  })

  test('a physician is refused', async () => {
    const { page, comp } = await loadPage('institution/pages/physicians/index', { fake: physician() })
    expect(text(comp)).toContain(FORBIDDEN[0])
    expect(page.data.items).toEqual([])
  })
})

describe('physician', () => {
  test('send an activation code, activate directly (asked first)', async () => {
    const fake = staff()
    let codes = null
    fake.route('POST', '/registry/institution/activation-codes', (req) => {
      codes = req.data
      return {
        results: [
          {
            registration_id: 11,
            ok: true,
            phone: '138****0004',
            expires_at: '2026-06-03T02:00:00Z',
            code: null,
            message: null,
          },
        ],
      }
    })
    fake.route('POST', '/registry/institution/physicians/11/activate', {
      registration_id: 11,
      user_id: 111,
      account_status: 'active',
    })
    const { page, comp } = await loadPage('institution/pages/physician/index', { fake, query: { id: '11' } })
    const t = text(comp)
    expect(t).toContain('陈晨')
    expect(t).toContain('1101**********0024')
    expect(t).toContain('内科专业')
    await page.onSendCode()
    await settle()
    expect(codes).toEqual({ registration_ids: [11] })
    expect(text(comp)).toContain('激活码已发送至 138****0004')
    await page.onActivate()
    await settle()
    expect(fake.calls.find((c) => c[0] === 'modal')[1]).toBe('直接激活')
    expect(sent(fake, 'POST', '/registry/institution/physicians/11/activate')).toHaveLength(1)
    expect(fake.calls).toContainEqual(['toast', '已激活'])
    page.onFileCase()
    expect(fake.calls).toContainEqual(['navigateTo', '/institution/pages/filings/index?id=11'])
  })

  test('a code the server could not send: its reason shown, sent once', async () => {
    const fake = staff()
    fake.route('POST', '/registry/institution/activation-codes', {
      results: [{ registration_id: 11, ok: false, code: 'NO_PHONE', message: '该医师未登记手机号，无法发送激活码' }],
    })
    fake.route(
      'POST',
      '/registry/institution/physicians/11/activate',
      fake.error(409, 'ALREADY_ACTIVATED', '账户已激活'),
    )
    const { page, comp } = await loadPage('institution/pages/physician/index', { fake, query: { id: '11' } })
    await Promise.all([page.onSendCode(), page.onSendCode()])
    await settle()
    expect(sent(fake, 'POST', '/registry/institution/activation-codes')).toHaveLength(1)
    expect(text(comp)).toContain('该医师未登记手机号，无法发送激活码')
    await page.onActivate()
    await settle()
    expect(text(comp)).toContain('账户已激活')
  })

  test('revoke needs a reason and is asked in red; the password reset says the SMS goes to the physician', async () => {
    const fake = staff()
    let revoked = null
    fake.route('POST', '/registry/institution/physicians/11/revoke', (req) => {
      revoked = req.data
      return { registration_id: 11, user_id: 111, account_status: 'none' }
    })
    fake.route('POST', '/staff/physicians/111/password-reset', { user_id: 111, sessions_ended: 2, sms_sent: true })
    const { page, comp } = await loadPage('institution/pages/physician/index', { fake, query: { id: '11' } })
    await page.onRevoke()
    expect(text(comp)).toContain('请填写撤销原因')
    expect(revoked).toBeNull()
    page.onInput({ currentTarget: { dataset: { field: 'revokeReason' } }, detail: { value: '身份信息填错' } })
    await page.onRevoke()
    await settle()
    expect(revoked).toEqual({ reason: '身份信息填错' })
    expect(wx.showModal.mock.calls.pop()[0].confirmColor).toBe('#d54941')

    await page.onResetPassword()
    await settle()
    expect(wx.showModal.mock.calls.pop()[0].content).toContain('短信')
    expect(text(comp)).toContain('临时密码已发送至医师手机 138****0004')
    expect(text(comp)).toContain('原有 2 处登录已失效')
  })

  test('定考: the number checked first; the credential shown once with a copy button; hide and un-hide', async () => {
    const fake = staff()
    fake.wx.setClipboardData = jest.fn(({ data, success }) => {
      fake.calls.push(['clipboard', data])
      success()
    })
    let issued = null
    fake.route('POST', '/assessment/credentials', (req) => {
      issued = req.data
      return {
        account_id: 7,
        name: '陈晨',
        id_number: '1101**********0024',
        credential: 'K7P2M9X4QA',
        expires_at: '2026-06-09T02:00:00Z',
        reset: false,
      }
    })
    const account = { id: 7, name: '陈晨', institution_id: 2, province_code: '110000', bound: false, is_hidden: false }
    fake.route('GET', '/assessment/accounts', { items: [account] })
    let hidden = null
    fake.route('POST', '/assessment/accounts/7/hide', (req) => {
      hidden = req.data
      return { ...account, is_hidden: true }
    })
    fake.route('POST', '/assessment/accounts/7/unhide', account)
    const { page, comp } = await loadPage('institution/pages/physician/index', { fake, query: { id: '11' } })

    page.onInput({ currentTarget: { dataset: { field: 'idNumber' } }, detail: { value: '110101198001010025' } })
    await page.onIssueCredential()
    expect(text(comp)).toContain('身份证号码格式或校验位不正确')
    expect(issued).toBeNull()

    page.onInput({ currentTarget: { dataset: { field: 'idNumber' } }, detail: { value: '110101 19800101 0029' } })
    await page.onIssueCredential()
    await settle()
    expect(issued).toEqual({ name: '陈晨', id_number: '110101198001010029', document_type: 'resident_id' })
    expect(text(comp)).toContain('K7P2M9X4QA')
    expect(text(comp)).toContain('此密码只显示这一次')
    page.onCopyCredential()
    expect(fake.calls).toContainEqual(['clipboard', 'K7P2M9X4QA'])
    page.onCloseCredential()
    await settle()
    expect(text(comp)).not.toContain('K7P2M9X4QA')

    await page.onFindAccounts()
    await settle()
    expect(sent(fake, 'GET', '/assessment/accounts')[0].query).toEqual({
      id_number: '110101198001010029',
      document_type: 'resident_id',
    })
    expect(text(comp)).toContain('正常 · 未绑定')
    await page.onHideAccount({ currentTarget: { dataset: { id: 7 } } })
    expect(text(comp)).toContain('请填写隐藏原因')
    expect(hidden).toBeNull()
    page.onInput({ currentTarget: { dataset: { field: 'hideReason' } }, detail: { value: '重复账号' } })
    await page.onHideAccount({ currentTarget: { dataset: { id: 7 } } })
    await settle()
    expect(hidden).toEqual({ reason: '重复账号' })
    expect(text(comp)).toContain('已隐藏 · 未绑定')
    await page.onUnhide({ currentTarget: { dataset: { id: 7 } } })
    await settle()
    expect(text(comp)).toContain('正常 · 未绑定')
  })

  test('a credential the server refuses: its message, nothing shown', async () => {
    const fake = staff()
    fake.route(
      'POST',
      '/assessment/credentials',
      fake.error(400, 'IDENTITY_MISMATCH', '证件号或姓名与已绑定的定考账号不一致'),
    )
    const { page, comp } = await loadPage('institution/pages/physician/index', { fake, query: { id: '11' } })
    page.onInput({ currentTarget: { dataset: { field: 'idNumber' } }, detail: { value: '110101198001010029' } })
    await page.onIssueCredential()
    await settle()
    expect(text(comp)).toContain('证件号或姓名与已绑定的定考账号不一致')
    expect(page.data.credential).toBeNull()
  })

  test('someone not of this institution: a clear refusal, no data', async () => {
    const fake = staff()
    const { page, comp } = await loadPage('institution/pages/physician/index', { fake, query: { id: '99' } })
    expect(text(comp)).toContain('该医师的主执业机构不是本机构')
    expect(page.data.p).toBeNull()
  })

  test('a physician is refused', async () => {
    const { page, comp } = await loadPage('institution/pages/physician/index', {
      fake: physician(),
      query: { id: '11' },
    })
    expect(text(comp)).toContain(FORBIDDEN[0])
    expect(page.data.p).toBeNull()
  })
})

describe('multi-site', () => {
  test('tabs: filed here, ours elsewhere', async () => {
    const fake = staff()
    const { page, comp } = await loadPage('institution/pages/multi-site/index', { fake })
    expect(text(comp)).toContain('赵磊')
    expect(text(comp)).toContain('朝阳区社区卫生服务中心')
    await page.onTab({ detail: { value: 'elsewhere' } })
    await settle()
    expect(sent(fake, 'GET', '/registry/institution/multi-site').map((r) => r.query.direction)).toEqual([
      'here',
      'elsewhere',
    ])
    expect(text(comp)).toContain('林琳')
    expect(text(comp)).toContain('2026-04-15')
  })

  test('an empty tab says so; a refused one shows the message', async () => {
    const fake = staff()
    fake.route('GET', '/registry/institution/multi-site', (req) =>
      req.query.direction === 'here' ? { items: [] } : fake.error(422, 'VALIDATION_FAILED', '提交的数据格式不正确'),
    )
    const { page, comp } = await loadPage('institution/pages/multi-site/index', { fake })
    expect(text(comp)).toContain('暂无外院医师在本院备案')
    await page.onTab({ detail: { value: 'elsewhere' } })
    await settle()
    expect(text(comp)).toContain('提交的数据格式不正确')
  })

  test('a physician is refused', async () => {
    const { comp } = await loadPage('institution/pages/multi-site/index', { fake: physician() })
    expect(text(comp)).toContain(FORBIDDEN[0])
  })
})

describe('departments', () => {
  test('add, rename, delete (asked in red)', async () => {
    const fake = staff()
    let added = null
    let renamed = null
    fake.route('POST', '/registry/institution/departments', (req) => {
      added = req.data
      return { id: 4, name: req.data.name, sort_order: 3 }
    })
    fake.route('PATCH', '/registry/institution/departments/2', (req) => {
      renamed = req.data
      return { id: 2, name: req.data.name, sort_order: 1 }
    })
    fake.route('DELETE', '/registry/institution/departments/3', { ok: true })
    const { page, comp } = await loadPage('institution/pages/departments/index', { fake })
    expect(text(comp)).toContain('中医科')
    await page.onAdd()
    expect(text(comp)).toContain('请输入科室名称')
    expect(added).toBeNull()
    page.onInput({ currentTarget: { dataset: { field: 'newName' } }, detail: { value: ' 儿科 ' } })
    await page.onAdd()
    await settle()
    expect(added).toEqual({ name: '儿科' })
    page.onEdit({ currentTarget: { dataset: { id: 2 } } })
    expect(page.data.editName).toBe('外科')
    page.onInput({ currentTarget: { dataset: { field: 'editName' } }, detail: { value: '普通外科' } })
    await page.onRename()
    await settle()
    expect(renamed).toEqual({ name: '普通外科' })
    await page.onDelete({ currentTarget: { dataset: { id: 3 } } })
    await settle()
    expect(wx.showModal.mock.calls.pop()[0].confirmColor).toBe('#d54941')
    expect(sent(fake, 'DELETE', '/registry/institution/departments/3')).toHaveLength(1)
  })

  test('a department with physicians is not deleted: the server says why; a taken name too', async () => {
    const fake = staff()
    fake.route(
      'DELETE',
      '/registry/institution/departments/1',
      fake.error(409, 'DEPARTMENT_IN_USE', '仍有医师在该科室，不能删除'),
    )
    fake.route('POST', '/registry/institution/departments', fake.error(409, 'DEPARTMENT_NAME_TAKEN', '科室名称已存在'))
    const { page, comp } = await loadPage('institution/pages/departments/index', { fake })
    await page.onDelete({ currentTarget: { dataset: { id: 1 } } })
    await settle()
    expect(text(comp)).toContain('仍有医师在该科室，不能删除')
    expect(sent(fake, 'DELETE', '/registry/institution/departments/1')).toHaveLength(1)
    page.onInput({ currentTarget: { dataset: { field: 'newName' } }, detail: { value: '内科' } })
    await Promise.all([page.onAdd(), page.onAdd()])
    await settle()
    expect(text(comp)).toContain('科室名称已存在')
    expect(sent(fake, 'POST', '/registry/institution/departments')).toHaveLength(1)
  })

  test('a physician is refused', async () => {
    const { comp } = await loadPage('institution/pages/departments/index', { fake: physician() })
    expect(text(comp)).toContain(FORBIDDEN[0])
    expect(text(comp)).not.toContain('新增科室')
  })
})

describe('authorities', () => {
  test('per category by name; a region picked fills its commission; only changes are sent', async () => {
    const fake = staff()
    let put = null
    fake.route('PUT', '/registry/institution/approval-authorities', (req) => {
      put = req.data
      return { ...require('../support/fixtures-institution').AUTHORITIES, ...req.data }
    })
    const { page, comp } = await loadPage('institution/pages/authorities/index', { fake })
    expect(text(comp)).toContain('公共卫生类别')
    expect(page.data.values.clinical).toBe('北京市东城区卫生健康委员会')
    page.onRegion({ currentTarget: { dataset: { code: 'public_health' } }, detail: { code: '110000', name: '北京市' } })
    expect(page.data.values.public_health).toBe('北京市卫生健康委员会')
    await page.onSave()
    await settle()
    expect(put).toEqual({ public_health: '北京市卫生健康委员会' })
    expect(fake.calls).toContainEqual(['toast', '已保存'])
  })

  test('an emptied authority is refused on the phone; the server refusal shown', async () => {
    const fake = staff()
    fake.route(
      'PUT',
      '/registry/institution/approval-authorities',
      fake.error(422, 'VALIDATION_FAILED', '提交的数据格式不正确', { field: 'tcm' }),
    )
    const { page, comp } = await loadPage('institution/pages/authorities/index', { fake })
    page.onValue({ currentTarget: { dataset: { code: 'tcm' } }, detail: { value: '' } })
    await page.onSave()
    expect(text(comp)).toContain('审批机关不能为空')
    expect(sent(fake, 'PUT', '/registry/institution/approval-authorities')).toHaveLength(0)
    page.onValue({ currentTarget: { dataset: { code: 'tcm' } }, detail: { value: 'x'.repeat(200) } })
    await Promise.all([page.onSave(), page.onSave()])
    await settle()
    expect(text(comp)).toContain('提交的数据格式不正确')
    expect(sent(fake, 'PUT', '/registry/institution/approval-authorities')).toHaveLength(1)
  })

  test('a physician is refused', async () => {
    const { comp } = await loadPage('institution/pages/authorities/index', { fake: physician() })
    expect(text(comp)).toContain(FORBIDDEN[0])
  })
})

describe('lookup', () => {
  test('name + document number checked, then the answer in words, masked', async () => {
    const fake = staff()
    let body = null
    fake.route('POST', '/registry/lookup', (req) => {
      body = req.data
      return LOOKUP
    })
    const { page, comp } = await loadPage('institution/pages/lookup/index', { fake })
    await page.onSearch()
    expect(text(comp)).toContain('请输入姓名')
    page.onInput({ currentTarget: { dataset: { field: 'name' } }, detail: { value: '陈晨' } })
    page.onInput({ currentTarget: { dataset: { field: 'idNumber' } }, detail: { value: '110101198001010025' } })
    await page.onSearch()
    expect(text(comp)).toContain('身份证号码格式或校验位不正确')
    expect(body).toBeNull()
    page.onInput({ currentTarget: { dataset: { field: 'idNumber' } }, detail: { value: '110101198001010029' } })
    await page.onSearch()
    await settle()
    expect(body).toEqual({ name: '陈晨', id_number: '110101198001010029' })
    const t = text(comp)
    expect(t).toContain('资格信息')
    expect(t).toContain('陈*')
    expect(t).toContain('居民身份证 1101**********0024')
    expect(t).toContain('注册信息')
    expect(t).toContain('执业医师')
    expect(t).toContain('北京市东城区卫生健康委员会')
    expect(t).not.toContain('clinical')
  })

  test('nobody found: the server says so, sent once', async () => {
    const fake = staff()
    fake.route(
      'POST',
      '/registry/lookup',
      fake.error(404, 'PHYSICIAN_NOT_FOUND', '未查询到该医师的资格信息，请核对姓名和证件号码'),
    )
    const { page, comp } = await loadPage('institution/pages/lookup/index', { fake })
    page.onDocType({ currentTarget: { dataset: { code: 'passport' } } })
    page.onInput({ currentTarget: { dataset: { field: 'name' } }, detail: { value: '张三' } })
    page.onInput({ currentTarget: { dataset: { field: 'idNumber' } }, detail: { value: 'e1234567' } })
    await Promise.all([page.onSearch(), page.onSearch()])
    await settle()
    expect(text(comp)).toContain('未查询到该医师的资格信息，请核对姓名和证件号码')
    expect(sent(fake, 'POST', '/registry/lookup')).toHaveLength(1)
    expect(sent(fake, 'POST', '/registry/lookup')[0].data.id_number).toBe('E1234567')
  })

  test('a physician is refused', async () => {
    const { page, comp } = await loadPage('institution/pages/lookup/index', { fake: physician() })
    page.onInput({ currentTarget: { dataset: { field: 'name' } }, detail: { value: '陈晨' } })
    page.onInput({ currentTarget: { dataset: { field: 'idNumber' } }, detail: { value: '110101198001010029' } })
    await page.onSearch()
    await settle()
    expect(text(comp)).toContain(FORBIDDEN[0])
  })
})

describe('filings', () => {
  test('the list in words (a case at the commission reads 待卫生健康行政部门审批); file one', async () => {
    const fake = staff()
    let body = null
    fake.route('POST', '/registry/institution/filings', (req) => {
      body = req.data
      return filing(3, { data: { reason: 'retirement', reason_label: '退休', physician_name: '林琳' } })
    })
    const { page, comp } = await loadPage('institution/pages/filings/index', { fake })
    const t = text(comp)
    expect(t).toContain('待卫生健康行政部门审批')
    expect(t).not.toContain('待机构确认')
    expect(t).toContain('王芳 · 退休')
    expect(t).toContain('已批准')
    await page.onSubmit()
    expect(text(comp)).toContain('请选择医师')
    expect(text(comp)).toContain('请选择原因')
    expect(body).toBeNull()
    page.openPicker()
    await settle()
    page.onPickPhysician({ currentTarget: { dataset: { index: 1 } } })
    page.onReason({ currentTarget: { dataset: { code: 'retirement' } } })
    page.onInput({ currentTarget: { dataset: { field: 'note' } }, detail: { value: '已办理退休手续' } })
    await page.onSubmit()
    await settle()
    expect(body).toEqual({ kind: 'filing', registration_id: 12, reason: 'retirement', note: '已办理退休手续' })
    expect(fake.calls).toContainEqual(['toast', '已提交'])
  })

  test('opened from a physician: that physician is chosen', async () => {
    const { page, comp } = await loadPage('institution/pages/filings/index', { fake: staff(), query: { id: '12' } })
    expect(page.data.registrationId).toBe(12)
    expect(text(comp)).toContain('林琳')
  })

  test('a second case for the same physician: the server refusal, sent once; cancellation is asked in red', async () => {
    const fake = staff()
    fake.route(
      'POST',
      '/registry/institution/filings',
      fake.error(409, 'APPLICATION_ALREADY_OPEN', '该医师已有一项备案或注销申请正在办理'),
    )
    const { page, comp } = await loadPage('institution/pages/filings/index', { fake })
    page.onKind({ currentTarget: { dataset: { code: 'cancellation' } } })
    expect(text(comp)).toContain('死亡或失踪')
    page.onPickPhysician({ currentTarget: { dataset: { index: 0 } } })
    page.onReason({ currentTarget: { dataset: { code: 'two_failed_assessments' } } })
    await Promise.all([page.onSubmit(), page.onSubmit()])
    await settle()
    expect(wx.showModal.mock.calls.pop()[0].confirmColor).toBe('#d54941')
    expect(text(comp)).toContain('该医师已有一项备案或注销申请正在办理')
    expect(sent(fake, 'POST', '/registry/institution/filings')).toHaveLength(1)
  })

  test('a physician is refused', async () => {
    const { comp } = await loadPage('institution/pages/filings/index', { fake: physician() })
    expect(text(comp)).toContain(FORBIDDEN[0])
    expect(text(comp)).not.toContain('提交申请')
  })
})
