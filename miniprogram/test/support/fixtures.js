/**
 * One physician's data in the server's shapes (app_api_docs/openapi.json), answered by the fake server for every
 * GET a page makes when it opens: the pictures (`npm run render`) and the words test (test/pages/words.test.js)
 * render every page with it. 陈晨, clinical practitioner at 东城区示范医院, in the 2024—2026 cycle.
 */
const { seedOffice, QUERIES_OFFICE } = require('./fixtures-office')
const { seedInstitution, QUERIES_INSTITUTION } = require('./fixtures-institution')
const { seedStaff, QUERIES_STAFF } = require('./fixtures-staff')

const REGIONS = {
  '': [
    {
      code: '110000',
      name: '北京市',
      level: 1,
      level_label: '省级',
      parent_code: null,
      province_code: '110000',
      has_children: true,
    },
    {
      code: '310000',
      name: '上海市',
      level: 1,
      level_label: '省级',
      parent_code: null,
      province_code: '310000',
      has_children: true,
    },
  ],
  110000: [
    {
      code: '110100',
      name: '市辖区',
      level: 2,
      level_label: '地级',
      parent_code: '110000',
      province_code: '110000',
      has_children: true,
    },
  ],
  110100: [
    {
      code: '110101',
      name: '东城区',
      level: 3,
      level_label: '县级',
      parent_code: '110100',
      province_code: '110000',
      has_children: false,
    },
    {
      code: '110105',
      name: '朝阳区',
      level: 3,
      level_label: '县级',
      parent_code: '110100',
      province_code: '110000',
      has_children: false,
    },
  ],
}
const ALL_REGIONS = Object.values(REGIONS).flat()

const INSTITUTIONS = [
  {
    id: 2,
    code: 'H110101001',
    name: '东城区示范医院',
    province_code: '110000',
    region_code: '110101',
    region_name: '北京市东城区',
  },
  {
    id: 3,
    code: 'H110105001',
    name: '朝阳区社区卫生服务中心',
    province_code: '110000',
    region_code: '110105',
    region_name: '北京市朝阳区',
  },
]

const ME = {
  id: 4,
  role: 'physician',
  username: null,
  real_name: '陈晨',
  phone: '138****0004',
  email: 'chen@example.com',
  email_verified: true,
  must_change_password: false,
  wechat_bound: true,
  agreement_version: '2026.1',
  privacy_version: '2026.1',
}

const REGISTRY_ME = {
  account_status: 'active',
  activated_via: 'code',
  name: '陈晨',
  phone: '138****0004',
  qualifications: [
    {
      id: 3,
      name: '陈晨',
      id_type: 'resident_id',
      id_number: '1101**********1014',
      qualification_cert_no: '201011010100001',
      category: 'clinical',
      level: 'practitioner',
      obtained_on: '2010-08-01',
      education: '本科',
      school: '首都医科大学',
      major: '临床医学',
      residency_training: true,
    },
  ],
  registration: {
    id: 4,
    status: 'active',
    practice_cert_no: '110101201000001',
    category: 'clinical',
    level: 'practitioner',
    main_institution_id: 2,
    main_institution_name: '东城区示范医院',
    practice_region_code: '110101',
    practice_region_name: '北京市东城区',
    practice_scopes: ['内科专业', '儿科专业'],
    department_id: 5,
    department_name: '内科',
    title: '主治医师',
    education: '本科',
    school: '首都医科大学',
    major: '临床医学',
    approval_authority: '北京市东城区卫生健康委员会',
    approved_on: '2012-03-01',
    has_photo: true,
  },
  registrations: [
    {
      id: 4,
      status: 'active',
      practice_cert_no: '110101201000001',
      category: 'clinical',
      level: 'practitioner',
      main_institution_id: 2,
      main_institution_name: '东城区示范医院',
      practice_region_code: '110101',
      practice_region_name: '北京市东城区',
      practice_scopes: ['内科专业', '儿科专业'],
      department_id: 5,
      department_name: '内科',
      title: '主治医师',
      education: '本科',
      school: '首都医科大学',
      major: '临床医学',
      approval_authority: '北京市东城区卫生健康委员会',
      approved_on: '2012-03-01',
      has_photo: true,
    },
  ],
  multi_site_filings: [
    {
      id: 7,
      institution_id: 3,
      institution_name: '朝阳区社区卫生服务中心',
      region_code: '110105',
      status: 'active',
      filed_on: '2025-01-01',
      ended_on: null,
    },
  ],
}

const APPLICATIONS = {
  items: [
    {
      id: 11,
      kind: 'multi_site_file',
      kind_title: '多执业机构备案',
      status: 'submitted',
      status_label: '待机构审核',
      institution_id: 3,
      data: { institution_id: 3 },
      attachments: [],
      review_item_id: 31,
      created_at: '2026-05-20T02:00:00+08:00',
      submitted_at: '2026-05-20T02:10:00+08:00',
      updated_at: '2026-05-20T02:10:00+08:00',
    },
    {
      id: 10,
      kind: 'change',
      kind_title: '变更注册',
      status: 'approved',
      status_label: '已通过',
      institution_id: 2,
      data: {},
      attachments: [],
      review_item_id: 30,
      created_at: '2025-03-01T02:00:00+08:00',
      submitted_at: '2025-03-01T02:00:00+08:00',
      updated_at: '2025-03-09T02:00:00+08:00',
    },
  ],
}

const CYCLE = { id: 2, name: '2024—2026年度', starts_on: '2024-01-01', ends_on: '2026-12-31' }

const ASSESSMENT_HOME = {
  bound: true,
  current_step: 'exam',
  next_action: '参加业务水平测评',
  cycle: CYCLE,
  windows: [],
}

const ENROLMENT = {
  cycle: CYCLE,
  window: null,
  status: 'notice_accepted',
  personal: { name: '陈晨', id_number: '1101**********1014', province_code: '110000' },
  registry: {
    qualification: {
      qualification_cert_no: '201011010100001',
      name: '陈晨',
      category: 'clinical',
      level: 'practitioner',
      obtained_on: '2010-08-01',
    },
    practice: {
      practice_cert_no: '110101201000001',
      institution_id: 2,
      institution_name: '东城区示范医院',
      department: '内科',
      practice_region_code: '110101',
      category: 'clinical',
      level: 'practitioner',
      practice_scopes: ['内科专业'],
      title: '主治医师',
    },
    multi_sites: [
      { institution_id: 3, institution_name: '朝阳区社区卫生服务中心', region_code: '110105', filed_on: '2025-01-01' },
    ],
  },
  registry_found: true,
  specialty: '内科专业',
  info_change_hint: '信息有误请在“医师电子化注册”中提交信息修改申请',
}

const RESULT = {
  cycle: CYCLE,
  assessment: {
    id: 21,
    status: 'passed',
    result: 'passed',
    result_label: '合格',
    decided_at: '2026-06-20T10:00:00+08:00',
    notice_available: true,
    institution_name: '东城区示范医院',
  },
}

const RESULTS_BY_CYCLE = {
  items: [
    {
      assessment_id: 21,
      cycle: { id: 2, name: '2024—2026年度', starts_on: '2024-01-01', ends_on: '2026-12-31', years: '2024—2026' },
      is_current: true,
      current_step: 'result',
      status: 'passed',
      status_label: '考核合格',
      result: 'passed',
      result_label: '合格',
      result_decided_at: '2026-06-20T10:00:00+08:00',
      specialty: '内科专业',
      professional_score: 82,
      humanities_score: 86,
      notice_url: '/api/v1/assessment/results/21/notice.pdf',
      sites: [
        {
          institution_id: 2,
          institution_name: '东城区示范医院',
          is_main: true,
          region_name: '北京市东城区',
          status_label: '考核合格',
        },
        {
          institution_id: 3,
          institution_name: '朝阳区社区卫生服务中心',
          is_main: false,
          region_name: '北京市朝阳区',
          status_label: '已备案，随主执业机构考核',
        },
      ],
      appeal: {
        allowed: true,
        deadline: '2026-07-20T23:59:59+08:00',
        period_days: 30,
        items: [
          {
            id: 5,
            assessment_id: 21,
            cycle_name: '2024—2026年度',
            reason: '人文医学测评成绩与作答不符',
            status: 'dismissed',
            status_label: '申诉不成立',
            decision_note: '经复核，成绩无误。',
            file_name: null,
            file_url: null,
            review_item_id: 50,
            created_at: '2026-06-22T10:00:00+08:00',
            decided_at: '2026-06-25T10:00:00+08:00',
          },
        ],
      },
    },
    {
      assessment_id: 11,
      cycle: { id: 1, name: '2021—2023年度', starts_on: '2021-01-01', ends_on: '2023-12-31', years: '2021—2023' },
      is_current: false,
      current_step: 'result',
      status: 'passed',
      status_label: '考核合格',
      result: 'passed',
      result_label: '合格',
      result_decided_at: '2023-10-10T10:00:00+08:00',
      specialty: '内科专业',
      professional_score: 78,
      humanities_score: 80,
      notice_url: '/api/v1/assessment/results/11/notice.pdf',
      sites: [
        {
          institution_id: 2,
          institution_name: '东城区示范医院',
          is_main: true,
          region_name: '北京市东城区',
          status_label: '考核合格',
        },
      ],
      appeal: { allowed: false, deadline: null, period_days: 30, items: [] },
    },
  ],
}

const EXAMS = {
  items: [
    {
      exam_kind: 'humanities',
      title: '人文医学测评',
      status: 'passed',
      duration_minutes: 60,
      question_count: 50,
      window_closes_at: '2026-06-30T00:00:00+08:00',
      is_make_up: false,
      best_score: 86,
      attempt_ref: null,
    },
    {
      exam_kind: 'professional',
      pass_marks: { law: 60, professional: 65 },
      title: '业务水平测评（内科）',
      status: 'available',
      duration_minutes: 90,
      question_count: 100,
      window_closes_at: '2026-06-30T00:00:00+08:00',
      is_make_up: false,
      best_score: null,
      attempt_ref: null,
    },
  ],
}

const RESULTS = {
  items: [
    {
      attempt_ref: 'att-1',
      exam_kind: 'humanities',
      title: '人文医学测评',
      is_make_up: false,
      score: 86,
      passed: true,
      section_scores: { humanities: 86 },
      end_reason: 'submitted',
      started_at: '2026-06-01T10:00:00+08:00',
      ended_at: '2026-06-01T10:50:00+08:00',
      status: 'scored',
      specialty: null,
      invalidation_reason: null,
    },
  ],
}

const ATTEMPT = {
  attempt_ref: 'att-9',
  exam_kind: 'professional',
  title: '业务水平测评（内科）',
  status: 'in_progress',
  started_at: '2026-06-01T10:00:00+08:00',
  deadline_at: '2026-06-01T11:30:00+08:00',
  server_time: '2026-06-01T10:30:00+08:00',
  current_section: 'law',
  is_make_up: false,
  specialty: '内科专业',
  sections: [
    { section: 'law', title: '法律法规', question_count: 2, pass_mark: 60, status: 'open', score: null },
    { section: 'professional', title: '专业知识', question_count: 1, pass_mark: 60, status: 'locked', score: null },
  ],
  questions: [
    {
      question_ref: 'q1',
      section: 'law',
      type: 'single',
      stem: '《中华人民共和国医师法》自何时起施行？',
      options: [
        { option_id: 'a', text: 'A. 2022年3月1日' },
        { option_id: 'b', text: 'B. 2021年8月20日' },
      ],
    },
    {
      question_ref: 'q2',
      section: 'law',
      type: 'multiple',
      stem: '医师在执业活动中享有哪些权利？',
      options: [
        { option_id: 'a', text: 'A. 获取劳动报酬' },
        { option_id: 'b', text: 'B. 参加专业培训' },
      ],
    },
    {
      question_ref: 'q3',
      section: 'professional',
      type: 'single',
      stem: '高血压的诊断标准是？',
      options: [{ option_id: 'a', text: 'A. 140/90 mmHg' }],
    },
  ],
  answers: [],
}

const CONSENT = {
  accepted: false,
  accepted_at: null,
  version: '2026.1',
  purpose: '考试身份核验与防作弊',
  retention: '考试结束后保存 90 天，到期自动删除',
  retention_days: 90,
  viewers: ['考核机构监考人员'],
  text: '为核实参加测评的是您本人，测评开始前和作答过程中将采集您的面部照片。',
}

const COMPARE_CONSENT = {
  version: '2026-12',
  purpose: '将考前采集的人脸照片与您审核通过的证件照比对，核验参加测评者为本人。',
  retention: '比对结果与特征值随对应照片保存，考核结果确定后 180 天删除。',
  retention_days: 180,
  viewers: ['本人', '考核机构'],
  text: '《人脸比对单独同意书》比对在本平台服务器上离线进行，不传给第三方；不一致时仅提交考核机构人工复核。',
  decided: false,
  accepted: null,
  decided_at: null,
}

const IDENTITY_CHECKS = {
  items: [
    {
      id: 3,
      reason: 'declined',
      reason_label: '不同意人脸比对',
      note: '希望视频核验',
      status: 'pending',
      review_item_id: 31,
      valid_until: null,
      created_at: '2026-06-01T10:00:00+08:00',
      decided_at: null,
    },
  ],
}

const FACE_DATA = {
  retention_days: 180,
  capture_consent_at: '2026-06-01T09:00:00+08:00',
  compare_consent: true,
  reference_photo_approved_at: '2026-05-20T15:00:00+08:00',
  images: [
    {
      image_id: 'img-1',
      kind: 'capture',
      purpose: '考前人脸采集：核验参加测评者为本人',
      created_at: '2026-06-01T09:05:00+08:00',
      kept_until: '2026-11-28T09:05:00+08:00',
      match_status: 'match',
      match_distance: 0.21,
      has_embedding: true,
    },
  ],
  identity_checks: [],
}

const INBOX = {
  unread: 1,
  next_cursor: null,
  items: [
    {
      id: 3,
      kind: 'exam.scored',
      title: '测评成绩已发布',
      body: '您的人文医学测评成绩为 86 分（合格）。',
      link: '/pages/exams/results',
      data: {},
      read: false,
      read_at: null,
      created_at: '2026-06-01T11:00:00+08:00',
    },
    {
      id: 2,
      kind: 'review.decided',
      title: '报名信息审核通过',
      body: '您提交的定期考核报名信息已通过审核。',
      link: null,
      data: {},
      read: true,
      read_at: '2026-05-21T09:00:00+08:00',
      created_at: '2026-05-20T09:00:00+08:00',
    },
  ],
}

const SESSIONS = {
  items: [
    {
      id: 's1',
      user_agent: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) MicroMessenger/8.0.50 miniProgram',
      ip: '1.2.3.4',
      created_at: '2026-06-01T10:00:00+08:00',
      last_used_at: '2026-06-01T10:00:00+08:00',
      current: true,
    },
    {
      id: 's2',
      user_agent: 'Mozilla/5.0 (Linux; Android 14; SM-S9180)',
      ip: '5.6.7.8',
      created_at: '2026-05-30T09:00:00+08:00',
      last_used_at: '2026-05-31T09:00:00+08:00',
      current: false,
    },
    {
      id: 's3',
      user_agent: 'okhttp/4.12.0',
      ip: '9.9.9.9',
      created_at: '2026-05-29T09:00:00+08:00',
      last_used_at: '2026-05-29T09:00:00+08:00',
      current: false,
    },
  ],
}

const PREFERENCES = {
  preferences: [
    {
      kind: 'review.decided',
      label: '审核结果',
      channels: [
        { channel: 'inbox', enabled: true, mandatory: true },
        { channel: 'wechat', enabled: true, mandatory: false },
        { channel: 'sms', enabled: false, mandatory: false },
      ],
    },
  ],
}

const REVIEW_ITEM = {
  id: 1,
  kind: 'registry_info_change',
  title: '医师信息修改',
  subject_type: 'info_change_request',
  subject_id: '1',
  status: 'pending',
  current_step: 0,
  step_count: 1,
  current_role: 'institution_reviewer',
  version: 1,
  submitted_at: '2026-06-01T10:00:00+08:00',
  decided_at: null,
  applicant: { id: 4, name: '陈晨', phone: '138****0004', id_number: '1101**********1014' },
  summary: [
    { label: '修改项目', value: '学历、毕业学校' },
    { label: '执业证书编码', value: '110101201000001' },
  ],
  payload: { education: '硕士', school: '北京大学医学部' },
  attachments: [{ name: '学历证书.jpg', purpose: 'other', url: '/api/v1/registry/applications/3/attachments/0' }],
  history: [
    {
      id: 1,
      step: 0,
      action: 'submit',
      actor_id: 4,
      actor_name: '陈晨',
      reason: null,
      comment: null,
      attachments: [],
      created_at: '2026-06-01T10:00:00+08:00',
    },
  ],
}

/** Register the fixture GETs on a fake server (test/support/fake-wx.js); a test may add or override routes. */
function seed(fake) {
  seedInstitution(fake)
  const r = (path, data) => fake.route('GET', path, data)
  seedOffice(fake)
  r('/me', ME)
  r('/registry/me', REGISTRY_ME)
  r('/registry/applications', APPLICATIONS)
  r(
    /^\/registry\/applications\/\d+$/,
    (req) => APPLICATIONS.items.find((a) => `/registry/applications/${a.id}` === req.path) || APPLICATIONS.items[0],
  )
  r('/registry/info-changes', {
    items: [
      {
        id: 1,
        kind: 'info',
        changes: { title: '副主任医师' },
        status: 'submitted',
        review_item_id: 40,
        replaced: false,
        created_at: '2026-05-01T10:00:00+08:00',
      },
    ],
  })
  r('/registry/me/departments', {
    items: [
      { id: 5, name: '内科' },
      { id: 6, name: '儿科' },
    ],
  })
  r('/lookups/regions', (req) => ({ items: REGIONS[req.query.parent_code || ''] || [] }))
  r(/^\/lookups\/regions\/\d{6}$/, (req) => {
    const region = ALL_REGIONS.find((x) => req.path.endsWith(x.code)) || ALL_REGIONS[0]
    const path = [region.province_code, region.code.slice(0, 4) + '00', region.code]
      .filter((c, i, all) => all.indexOf(c) === i)
      .map((c) => ALL_REGIONS.find((x) => x.code === c))
      .filter(Boolean)
    const full = path.filter((r, i) => !(i > 0 && r.name === '市辖区')).map((r) => r.name)
    return { region, path, full_name: full.join(' ') }
  })
  r('/lookups/institutions', (req) => ({
    items: INSTITUTIONS.filter(
      (i) =>
        (!req.query.q || i.name.includes(req.query.q)) &&
        (!req.query.region_code || i.region_code.startsWith(req.query.region_code.replace(/0+$/, ''))),
    ),
    next_cursor: null,
  }))
  r(
    /^\/lookups\/institutions\/\d+$/,
    (req) => INSTITUTIONS.find((i) => req.path.endsWith(`/${i.id}`)) || INSTITUTIONS[0],
  )
  r('/assessment/home', ASSESSMENT_HOME)
  r('/assessment/enrolment', ENROLMENT)
  r('/assessment/notice', {
    version: '2026.1',
    title: '医师定期考核用户告知书',
    text: '一、考核周期为三年，每一周期内须完成报名、自评和测评。\n二、请如实填写个人信息。',
    accepted: true,
    accepted_at: '2026-05-01T10:00:00+08:00',
  })
  r('/assessment/procedure/options', {
    simplified_conditions: [{ key: 'senior_title', label: '具有高级专业技术职务任职资格' }],
    exemption_reasons: [{ key: 'overseas', label: '出国（境）学习工作' }],
  })
  r('/assessment/self-evaluation', {
    status: 'procedure_chosen',
    procedure: 'general',
    practice_record: '门诊 3000 人次',
    work_performance: null,
    professional_ethics: null,
    work_report: null,
    work_report_required: true,
  })
  r('/lookups/practice-scopes', {
    items: ['内科专业', '外科专业', '儿科专业', '全科医学专业'].map((name) => ({
      name,
      category: 'clinical',
      category_label: '临床',
    })),
  })
  r('/assessment/result', RESULT)
  r('/assessment/results', RESULTS_BY_CYCLE)
  r(/^\/assessment\/appeals\/\d+$/, RESULTS_BY_CYCLE.items[0].appeal.items[0])
  r('/exams', EXAMS)
  r('/exams/results', RESULTS)
  r('/exams/practice/questions', { items: [ATTEMPT.questions[0]] })
  r(/^\/exams\/attempts\/[^/]+$/, ATTEMPT)
  r(/^\/proctoring\/attempts\/[^/]+\/schedule$/, { interval_seconds: 600, grace_seconds: 60, slots: [] })
  r('/proctoring/consent', CONSENT)
  r('/proctoring/consent/comparison', COMPARE_CONSENT)
  r('/proctoring/identity-checks', IDENTITY_CHECKS)
  r('/proctoring/face-data', FACE_DATA)
  r('/inbox', INBOX)
  r('/inbox/unread-count', { unread: 1 })
  r('/me/sessions', SESSIONS)
  r('/me/notification-preferences', PREFERENCES)
  r('/my/reviews', { items: [], next_cursor: null })
  r('/reviews/queue/counts', { counts: { registry_info_change: 2, assessment_enrolment: 1 }, total: 3 })
  r('/reviews/queue', { items: [REVIEW_ITEM], next_cursor: null })
  r('/reviews/stats', { pending: 3, decided_today: 4, average_decision_hours: 1.5 })
  r(/^\/reviews\/items\/\d+$/, REVIEW_ITEM)
  r('/reviews/history', {
    items: [{ ...REVIEW_ITEM, status: 'approved', decided_at: '2026-06-01T12:00:00+08:00' }],
    next_cursor: null,
  })
  seedStaff(fake)
}

/** The query each page opens with in the pictures (a page that needs one to show anything). */
const QUERIES = {
  ...QUERIES_OFFICE,
  ...QUERIES_INSTITUTION,
  'registration/pages/application-form/index': { kind: 'register' },
  'exam/pages/attempt/index': { ref: 'att-9' },
  'exam/pages/capture/index': { kind: 'professional' },
  'exam/pages/results/index': {},
  'reviewer/pages/detail/index': { id: '1' },
  'assessment/pages/appeal/index': { id: '21', cycle: '2024—2026年度' },
  ...QUERIES_STAFF,
}

const REVIEWER_PAGES = /^reviewer\//

module.exports = {
  seed,
  QUERIES,
  REVIEWER_PAGES,
  ME,
  REGISTRY_ME,
  APPLICATIONS,
  INSTITUTIONS,
  REGIONS,
  CYCLE,
  ATTEMPT,
  CONSENT,
  COMPARE_CONSENT,
  IDENTITY_CHECKS,
  FACE_DATA,
  SESSIONS,
  INBOX,
  RESULT,
  RESULTS_BY_CYCLE,
}
