/**
 * The assessment office's and the health commission's workbench data in the server's shapes
 * (app_api_docs/openapi.json): 北京市定期考核办公室 (bj_office, province level) and 东城区卫生健康委员会.
 */
const CYCLE = { id: 2, name: '2024—2026年度', starts_on: '2024-01-01', ends_on: '2026-12-31', years: '2024—2026' }

const OFFICE_USER = {
  id: 20,
  role: 'office_reviewer',
  username: 'bj_office',
  real_name: null,
  phone: null,
  must_change_password: false,
}
const COMMISSION_USER = {
  id: 22,
  role: 'commission_reviewer',
  username: 'dc_commission',
  real_name: null,
  phone: null,
  must_change_password: false,
}

/** Who opens which workbench pages in the pictures and the words test. */
const USERS_OFFICE = [
  [/^office\//, OFFICE_USER],
  [/^commission\//, COMMISSION_USER],
]

function windowOf(regionCode, kind, label, opens, closes, isOpen = true) {
  return { kind, label, region_code: regionCode, opens_at: opens, closes_at: closes, is_open: isOpen }
}

const WINDOWS = {
  cycle: CYCLE,
  province_code: '110000',
  region_code: '110000',
  items: [
    windowOf('110000', 'enrolment', '报名', '2026-03-01T08:00:00+08:00', '2026-12-31T18:00:00+08:00'),
    windowOf('110000', 'self_evaluation', '自评', '2026-04-01T08:00:00+08:00', '2026-12-31T18:00:00+08:00'),
    windowOf('110000', 'exam', '考试', '2026-06-01T08:00:00+08:00', '2026-12-20T18:00:00+08:00'),
    windowOf('110105', 'exam', '考试', '2026-06-10T08:00:00+08:00', '2026-12-10T18:00:00+08:00'),
  ],
}

const RULES = {
  cycle: CYCLE,
  professional_pass_mark: 60,
  humanities_pass_mark: 60,
  law_pass_mark: 60,
  professional_pass_marks_by_specialty: { pediatrics: 55 },
  set_by_office: true,
}

const SPECIALTIES = {
  items: [
    { code: 'internal_medicine', name: '内科', practice_scopes: ['内科专业'] },
    { code: 'pediatrics', name: '儿科', practice_scopes: ['儿科专业'] },
  ],
}

const DEFINITIONS = {
  items: [
    {
      id: 1,
      cycle_id: 2,
      province_code: '110000',
      exam_kind: 'professional',
      title: '业务水平测评',
      duration_minutes: 60,
      attempts_allowed: 1,
      make_up_allowed: true,
      sections: [
        { section: 'law', counts: { single: 10 }, pass_mark: 60, specialty: null, by_specialty: null },
        {
          section: 'professional',
          counts: { single: 60, multiple: 20, true_false: 10 },
          pass_mark: 60,
          specialty: null,
          by_specialty: null,
        },
      ],
    },
    {
      id: 2,
      cycle_id: 2,
      province_code: '110000',
      exam_kind: 'humanities',
      title: '人文医学测评',
      duration_minutes: 60,
      attempts_allowed: 1,
      make_up_allowed: true,
      sections: [
        {
          section: 'humanities',
          counts: { single: 40, true_false: 10 },
          pass_mark: 60,
          specialty: null,
          by_specialty: null,
        },
      ],
    },
  ],
}

const READINESS = {
  cycle: CYCLE,
  province_code: '110000',
  ready: false,
  items: [
    {
      specialty: 'internal_medicine',
      specialty_name: '内科',
      ready: true,
      needed: { single: 60, multiple: 20, true_false: 10 },
      available: { single: 120, multiple: 40, true_false: 30 },
      short: {},
      pass_mark: 60,
      candidate_count: 12,
      candidates: [],
    },
    {
      specialty: 'pediatrics',
      specialty_name: '儿科',
      ready: false,
      needed: { single: 60, multiple: 20, true_false: 10 },
      available: { single: 50, multiple: 20, true_false: 10 },
      short: { single: 10 },
      pass_mark: 55,
      candidate_count: 2,
      candidates: [
        {
          assessment_id: 31,
          name: '张明',
          institution_id: 2,
          institution_name: '东城区示范医院',
          practice_scope: '儿科专业',
        },
      ],
    },
  ],
}

function flagOf(id, extra = {}) {
  return {
    id,
    attempt_ref: `att-${id}`,
    exam_kind: 'professional',
    reason: 'face_missing',
    status: 'open',
    slot: 1,
    identity_via: 'face_match',
    candidate: { user_id: 9, name: '张*明' },
    region_code: '110101',
    institution_id: 2,
    created_at: '2026-06-02T02:10:00Z',
    decided_at: null,
    decision_reason: null,
    distance: null,
    ...extra,
  }
}

const FLAGS = {
  items: [flagOf(7), flagOf(8, { reason: 'face_mismatch', distance: 0.71, identity_via: 'face_mismatch' })],
  next_cursor: null,
}

const FLAG_DETAIL = {
  ...flagOf(7),
  started_at: '2026-06-02T02:00:00Z',
  closed_at: '2026-06-02T03:00:00Z',
  offsets_s: [300, 900],
  reference_image: null,
  capture: {
    image: { image_id: 'cap-7', deleted: false },
    measurements: { width: 640, height: 480, face_ratio: 0.32, brightness: 128.4, sharpness: 210.5 },
    match_status: 'match',
    match_distance: 0.41,
    created_at: '2026-06-02T01:58:00Z',
  },
  snapshots: [
    {
      snapshot_id: 70,
      slot: 0,
      outcome: 'ok',
      image: { image_id: 'snap-70', deleted: false },
      measurements: { width: 640, height: 480, face_ratio: 0.3, brightness: 120, sharpness: 190, match_distance: 0.38 },
      created_at: '2026-06-02T02:05:00Z',
    },
    {
      snapshot_id: 71,
      slot: 1,
      outcome: 'FACE_NOT_FOUND',
      image: { image_id: 'snap-71', deleted: false },
      measurements: { width: 640, height: 480, frame_brightness: 35 },
      created_at: '2026-06-02T02:15:00Z',
    },
  ],
}

const PROGRESS = {
  cycle: CYCLE,
  items: [
    {
      institution_id: 2,
      institution_name: '东城区示范医院',
      total: 5,
      counts: { not_bound: 1, not_enrolled: 2, exams: 1, passed: 1 },
    },
    {
      institution_id: 3,
      institution_name: '朝阳区社区卫生服务中心',
      total: 3,
      counts: { not_bound: 0, not_enrolled: 1, exams: 2 },
    },
  ],
}

function personOf(name, step, label, extra = {}) {
  return {
    name,
    id_number_masked: '1101**********1014',
    institution_id: 2,
    institution_name: '东城区示范医院',
    region_code: '110101',
    step,
    step_label: label,
    registered: true,
    account_id: 11,
    assessment_id: null,
    hidden: false,
    ...extra,
  }
}

const PEOPLE = {
  cycle: CYCLE,
  total: 3,
  items: [
    personOf('陈晨', 'not_enrolled', '未报名'),
    personOf('林琳', 'not_enrolled', '未报名', { institution_id: 3, institution_name: '朝阳区社区卫生服务中心' }),
    personOf('张明', 'exams', '待测评', { assessment_id: 31 }),
  ],
  next_cursor: null,
}

const FIGURES = {
  state_labels: {
    submitted: '待机构确认',
    institution_confirmed: '待审批',
    approved: '已批准',
    rejected: '未批准',
    returned: '已退回',
    withdrawn: '已撤回',
  },
  items: [
    {
      institution_id: 2,
      institution_name: '东城区示范医院',
      kind: 'register',
      kind_title: '注册',
      total: 6,
      counts: { submitted: 1, institution_confirmed: 2, approved: 3 },
    },
    {
      institution_id: 2,
      institution_name: '东城区示范医院',
      kind: 'change',
      kind_title: '变更注册',
      total: 2,
      counts: { institution_confirmed: 1, rejected: 1 },
    },
    {
      institution_id: 2,
      institution_name: '东城区示范医院',
      kind: 'institution_filing',
      kind_title: '注册备案（机构申请）',
      total: 1,
      counts: { submitted: 1 },
    },
  ],
}

/** Register the workbench GETs on a fake server (after the physician's, which they may override). */
function seedOffice(fake) {
  const r = (path, data) => fake.route('GET', path, data)
  r('/assessment/cycles', {
    items: [
      CYCLE,
      { id: 1, name: '2021—2023年度', starts_on: '2021-01-01', ends_on: '2023-12-31', years: '2021—2023' },
    ],
  })
  r('/assessment/windows', WINDOWS)
  r('/assessment/rules', RULES)
  r('/lookups/specialties', SPECIALTIES)
  r('/exams/admin/definitions', DEFINITIONS)
  r('/assessment/exam-readiness', READINESS)
  r('/proctoring/flags', FLAGS)
  r(/^\/proctoring\/flags\/\d+$/, FLAG_DETAIL)
  r(/^\/proctoring\/images\/[^/]+$/, (req) => ({
    statusCode: 200,
    data: '',
    tempFilePath: `/tmp/${req.path.split('/').pop()}.jpg`,
  }))
  r('/assessment/progress', PROGRESS)
  r('/assessment/progress/people', PEOPLE)
  r('/registry/commission/figures', FIGURES)
}

const QUERIES_OFFICE = {
  'office/pages/flag/index': { id: '7' },
}

module.exports = {
  seedOffice,
  QUERIES_OFFICE,
  USERS_OFFICE,
  OFFICE_USER,
  COMMISSION_USER,
  CYCLE,
  WINDOWS,
  RULES,
  SPECIALTIES,
  DEFINITIONS,
  READINESS,
  FLAGS,
  FLAG_DETAIL,
  PROGRESS,
  PEOPLE,
  FIGURES,
  flagOf,
  personOf,
}
