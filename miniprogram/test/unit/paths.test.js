/** Every path a service calls is one the merged server has (app_api_docs/openapi.json), with that method. */
const fs = require('fs')
const path = require('path')
const { serverHas, routes, PENDING } = require('../support/openapi')

const SERVICES = path.resolve(__dirname, '..', '..', 'services')

// The method each PATHS entry is called with (services/*.js); an entry used with several is listed for each.
const CALLS = {
  account: {
    password: ['POST'],
    phone: ['POST'],
    sessions: ['GET', 'DELETE'],
    session: ['DELETE'],
    wechat: ['POST', 'DELETE'],
  },
  assessment: {
    home: ['GET'],
    binding: ['POST'],
    notice: ['GET', 'POST'],
    enrolment: ['GET', 'POST'],
    procedure: ['PUT'],
    procedureOptions: ['GET'],
    selfEvaluation: ['GET', 'PUT', 'POST'],
    exemption: ['POST'],
    proofs: ['POST'],
    result: ['GET'],
    resultNotice: ['GET'],
    results: ['GET'],
    noticeOf: ['GET'],
    appealsOf: ['POST'],
    appeals: ['GET'],
    appeal: ['GET'],
  },
  auth: {
    wechatLogin: ['POST'],
    wechatRegister: ['POST'],
    smsCodes: ['POST'],
    register: ['POST'],
    login: ['POST'],
    smsLogin: ['POST'],
    captcha: ['GET'],
    logout: ['POST'],
    resetPassword: ['POST'],
    emailCodes: ['POST'],
    emailReset: ['POST'],
    agreements: ['GET'],
    me: ['GET'],
  },
  exam: {
    exams: ['GET'],
    start: ['POST'],
    attempt: ['GET'],
    answer: ['PUT'],
    finishSection: ['POST'],
    submit: ['POST'],
    results: ['GET'],
    practice: ['GET'],
    practiceCheck: ['POST'],
  },
  inbox: {
    inbox: ['GET'],
    unread: ['GET'],
    read: ['POST'],
    readAll: ['POST'],
    message: ['DELETE'],
    preferences: ['GET', 'PUT'],
    subscriptions: ['POST'],
  },
  proctoring: {
    consent: ['GET', 'POST'],
    compareConsent: ['GET', 'POST'],
    identityChecks: ['GET', 'POST'],
    faceData: ['GET'],
    captures: ['POST'],
    schedule: ['GET'],
    snapshots: ['POST'],
  },
  registration: {
    realNameCheck: ['POST'],
    activateByCode: ['POST'],
    activateSelf: ['POST'],
    me: ['GET'],
    infoChanges: ['GET', 'POST'],
    photo: ['POST'],
    applications: ['GET', 'POST'],
    application: ['GET'],
    submit: ['POST'],
    recoveryCode: ['POST'],
    recovery: ['POST'],
    attachments: ['POST'],
    formPdf: ['GET'],
  },
  lookups: {
    regions: ['GET'],
    region: ['GET'],
    institutions: ['GET'],
    institution: ['GET'],
    documentTypes: ['GET'],
    practiceScopes: ['GET'],
    applicationKinds: ['GET'],
    cycles: ['GET'],
  },
  staff: {
    list: ['GET'],
    create: ['POST'],
    item: ['GET'],
    disable: ['POST'],
    enable: ['POST'],
    reset: ['POST'],
  },
  institution: {
    physicians: ['GET'],
    activationCodes: ['POST'],
    activate: ['POST'],
    revoke: ['POST'],
    passwordReset: ['POST'],
    multiSite: ['GET'],
    departments: ['GET', 'POST'],
    department: ['PATCH', 'DELETE'],
    authorities: ['GET', 'PUT'],
    categories: ['GET'],
    filings: ['GET', 'POST'],
    lookup: ['POST'],
    credentials: ['POST'],
    accounts: ['GET'],
    hide: ['POST'],
    unhide: ['POST'],
  },
  office: {
    cycles: ['GET', 'POST'],
    windows: ['GET', 'PUT', 'DELETE'],
    rules: ['GET', 'PUT'],
    readiness: ['GET'],
    definitions: ['GET', 'PUT'],
    importQuestions: ['POST'],
    exportQuestions: ['GET'],
    flags: ['GET'],
    flag: ['GET'],
    decide: ['POST'],
    image: ['GET'],
    progress: ['GET'],
    people: ['GET'],
    peopleXlsx: ['GET'],
    reminders: ['POST'],
    specialties: ['GET'],
  },
  commission: {
    figures: ['GET'],
  },
  reviews: {
    queue: ['GET'],
    counts: ['GET'],
    item: ['GET'],
    approve: ['POST'],
    reject: ['POST'],
    return: ['POST'],
    batch: ['POST'],
    history: ['GET'],
    stats: ['GET'],
    mine: ['GET'],
    myItem: ['GET'],
    withdraw: ['POST'],
    resubmit: ['POST'],
    formPdf: ['GET'],
    photo: ['GET'],
    currentPhoto: ['GET'],
  },
}

test('the OpenAPI document is there and lists the API', () => {
  expect(routes().length).toBeGreaterThan(50)
})

test('routes still being built on other branches are named, each with its branch', () => {
  // Listed in test/support/openapi.js PENDING; the app falls back where a server lacks them (404).
  PENDING.forEach((r) => expect(r.branch).toMatch(/^w3-/))
})

const services = fs
  .readdirSync(SERVICES)
  .filter((f) => f.endsWith('.js'))
  .map((f) => f.replace(/\.js$/, ''))
  .filter((name) => require(path.join(SERVICES, name)).PATHS)

test('every service with a PATHS table is checked here, each entry with its methods', () => {
  expect(services.sort()).toEqual(Object.keys(CALLS).sort())
  services.forEach((name) => {
    expect(Object.keys(require(path.join(SERVICES, name)).PATHS).sort()).toEqual(Object.keys(CALLS[name]).sort())
  })
})

test.each(Object.keys(CALLS))('%s: every path exists on the server with the method used', (name) => {
  const { PATHS } = require(path.join(SERVICES, name))
  const missing = []
  Object.entries(CALLS[name]).forEach(([key, methods]) => {
    const entry = PATHS[key]
    const p = typeof entry === 'function' ? entry('1', 'law') : entry
    methods.forEach((m) => {
      if (!serverHas(m, p)) missing.push(`${m} ${p}`)
    })
  })
  expect(missing).toEqual([])
})
