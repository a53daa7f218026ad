/**
 * Staff accounts in the server's shapes (StaffOut, StaffPageOut), for the staff pages' pictures and the words
 * test: an administrator (admin) manages them. Institution and region appear by name only.
 */
const STAFF = [
  {
    id: 21,
    username: 'dc-hospital',
    role: 'institution_reviewer',
    real_name: '王主任',
    phone: '139****0021',
    institution_id: 2,
    institution_name: '东城区示范医院',
    region_code: '110101',
    region_name: '北京市东城区',
    is_active: true,
    must_change_password: false,
    one_time_password_expires_at: null,
    created_at: '2026-03-01T09:00:00+08:00',
  },
  {
    id: 22,
    username: 'bj-office',
    role: 'office_reviewer',
    real_name: '李考核',
    phone: null,
    institution_id: null,
    institution_name: null,
    region_code: '110000',
    region_name: '北京市',
    is_active: true,
    must_change_password: true,
    one_time_password_expires_at: '2026-06-04T09:00:00+08:00',
    created_at: '2026-06-01T09:00:00+08:00',
  },
  {
    id: 23,
    username: 'cy-commission',
    role: 'commission_reviewer',
    real_name: '赵审批',
    phone: '137****0023',
    institution_id: null,
    institution_name: null,
    region_code: '110105',
    region_name: '北京市朝阳区',
    is_active: false,
    must_change_password: false,
    one_time_password_expires_at: null,
    created_at: '2026-02-01T09:00:00+08:00',
  },
]

const ADMIN = { id: 1, role: 'admin', username: 'admin', real_name: '平台管理员', phone: null }

function seedStaff(fake) {
  fake.route('GET', '/staff', { items: STAFF, next_cursor: null })
  fake.route('GET', /^\/staff\/\d+$/, (req) => STAFF.find((s) => `/staff/${s.id}` === req.path) || STAFF[0])
}

const QUERIES_STAFF = {
  'staff/pages/detail/index': { id: '22' },
}

module.exports = { STAFF, ADMIN, seedStaff, QUERIES_STAFF }
