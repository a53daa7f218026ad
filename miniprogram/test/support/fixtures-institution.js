/**
 * The institution workbench's data in the server's shapes (app_api_docs/openapi.json): 东城区示范医院 as
 * dc_hospital sees it. seedInstitution(fake) answers every GET the institution/ pages make when they open.
 */
function physicianRow(registrationId, extra = {}) {
  return {
    registration_id: registrationId,
    user_id: 100 + registrationId,
    name: '陈晨',
    category: 'clinical',
    level: 'practitioner',
    status: 'active',
    account_status: 'verified',
    department_name: '内科',
    id_number: '1101**********0024',
    phone: '138****0004',
    qualification_cert_no: '200411110110101198001010024',
    practice_cert_no: '110110101000004',
    practice_scopes: ['内科专业'],
    main_institution_name: '东城区示范医院',
    filed_institution_id: null,
    filed_institution_name: null,
    filed_on: null,
    filing_id: null,
    ...extra,
  }
}

const PHYSICIANS = [
  physicianRow(11),
  physicianRow(12, {
    name: '林琳',
    account_status: 'active',
    department_name: '外科',
    phone: '138****0005',
    practice_scopes: ['外科专业'],
  }),
  physicianRow(13, {
    name: '王芳',
    account_status: 'none',
    user_id: null,
    phone: null,
    category: 'tcm',
    department_name: '中医科',
  }),
]

const MULTI_SITE = {
  here: [
    physicianRow(21, {
      name: '赵磊',
      account_status: 'active',
      main_institution_name: '朝阳区社区卫生服务中心',
      filing_id: 31,
      filed_institution_id: 2,
      filed_institution_name: '东城区示范医院',
      filed_on: '2026-03-01',
    }),
  ],
  elsewhere: [
    physicianRow(12, {
      name: '林琳',
      account_status: 'active',
      filing_id: 32,
      filed_institution_id: 3,
      filed_institution_name: '朝阳区社区卫生服务中心',
      filed_on: '2026-04-15',
    }),
  ],
}

const DEPARTMENTS = [
  { id: 1, name: '内科', sort_order: 0 },
  { id: 2, name: '外科', sort_order: 1 },
  { id: 3, name: '中医科', sort_order: 2 },
]

const AUTHORITIES = {
  clinical: '北京市东城区卫生健康委员会',
  dental: '北京市东城区卫生健康委员会',
  public_health: '',
  tcm: '北京市东城区卫生健康委员会',
}

const CATEGORIES = [
  { code: 'clinical', label: '临床', scopes: [] },
  { code: 'dental', label: '口腔', scopes: [] },
  { code: 'public_health', label: '公共卫生', scopes: [] },
  { code: 'tcm', label: '中医', scopes: [] },
]

function filing(id, extra = {}) {
  return {
    id,
    kind: 'institution_filing',
    kind_title: '注册备案（机构申请）',
    status: 'submitted',
    status_label: '待审批',
    data: { reason: 'retirement', reason_label: '退休', physician_name: '王芳' },
    attachments: [],
    institution_id: 2,
    review_item_id: 40 + id,
    submitted_at: '2026-06-02T02:00:00Z',
    created_at: '2026-06-02T02:00:00Z',
    updated_at: '2026-06-02T02:00:00Z',
    ...extra,
  }
}

const FILINGS = [
  filing(1),
  filing(2, {
    kind: 'institution_cancellation',
    kind_title: '注销注册（机构申请）',
    status: 'approved',
    status_label: '已批准',
    data: { reason: 'death_or_missing', reason_label: '死亡或失踪', physician_name: '李强' },
  }),
]

const LOOKUP = {
  qualifications: [
    {
      id: 1,
      name: '陈*',
      id_type: 'resident_id',
      id_number: '1101**********0024',
      category: 'clinical',
      level: 'practitioner',
      qualification_cert_no: '200411110110101198001010024',
      obtained_on: '2004-09-01',
      education: '本科',
      school: '首都医科大学',
      major: '临床医学',
      residency_training: true,
    },
  ],
  registrations: [
    {
      id: 11,
      category: 'clinical',
      level: 'practitioner',
      status: 'active',
      practice_cert_no: '110110101000004',
      practice_region_code: '110000',
      practice_region_name: '北京市',
      practice_scopes: ['内科专业'],
      main_institution_id: 2,
      main_institution_name: '东城区示范医院',
      department_id: 1,
      department_name: '内科',
      approval_authority: '北京市东城区卫生健康委员会',
      approved_on: '2010-07-01',
      education: '本科',
      school: '首都医科大学',
      major: '临床医学',
      title: '主治医师',
      has_photo: true,
    },
  ],
}

function seedInstitution(fake) {
  const r = (path, data) => fake.route('GET', path, data)
  r('/registry/institution/physicians', (req) => ({
    items: PHYSICIANS.filter((p) => !req.query.name || p.name.includes(req.query.name)),
    next_cursor: null,
  }))
  r('/registry/institution/multi-site', (req) => ({ items: MULTI_SITE[req.query.direction || 'here'] || [] }))
  r('/registry/institution/departments', { items: DEPARTMENTS })
  r('/registry/institution/approval-authorities', AUTHORITIES)
  r('/lookups/practice-categories', { items: CATEGORIES })
  r('/registry/institution/filings', { items: FILINGS })
}

/** The query each institution page opens with in the pictures. */
const QUERIES_INSTITUTION = {
  'institution/pages/physician/index': { id: '11' },
}

module.exports = {
  seedInstitution,
  QUERIES_INSTITUTION,
  physicianRow,
  PHYSICIANS,
  MULTI_SITE,
  DEPARTMENTS,
  AUTHORITIES,
  CATEGORIES,
  FILINGS,
  filing,
  LOOKUP,
}
