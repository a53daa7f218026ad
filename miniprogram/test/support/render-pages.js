/**
 * Every page of app.json opened with the fixture data (test/support/fixtures.js), as a person would see it
 * first: the words test reads its text, `npm run render` turns it into a picture.
 */
const fs = require('fs')
const path = require('path')
const { loadPage, installFakeWx, settle, text, ROOT } = require('./load-page')
const { seed, QUERIES, REVIEWER_PAGES } = require('./fixtures')
const { USERS_OFFICE } = require('./fixtures-office')

// Which signed-in staff user opens a workbench page: a path prefix → the user.
const STAFF_USERS = [...USERS_OFFICE]
const staffUser = (rel) => (STAFF_USERS.find(([prefix]) => prefix.test(rel)) || [])[1]

// Who opens the workbench pages (by path prefix); every other page a physician.
const SIGNED_IN = [[/^staff\//, require('./fixtures-staff').ADMIN]]

const APP = JSON.parse(fs.readFileSync(path.join(ROOT, 'app.json'), 'utf8'))
const PAGES = APP.pages.concat(...APP.subpackages.map((s) => s.pages.map((p) => `${s.root}/${p}`)))

// Staff pages by path prefix: who is signed in when they open.
const STAFF = [[/^institution\//, { id: 9, role: 'institution_reviewer', username: 'dc_hospital', phone: null }]]

async function openPage(rel, { prepare = null } = {}) {
  const fake = installFakeWx()
  const staff = STAFF.find(([prefix]) => prefix.test(rel)) || SIGNED_IN.find(([prefix]) => prefix.test(rel))
  fake.signIn(
    staffUser(rel) ||
      (staff
        ? staff[1]
        : REVIEWER_PAGES.test(rel)
          ? { id: 9, role: 'institution_reviewer', username: 'dc_hospital', phone: null }
          : { id: 4, role: 'physician', real_name: '陈晨', phone: '138****0004' }),
  )
  seed(fake)
  if (prepare) prepare(fake)
  const opened = await loadPage(rel, { fake, query: QUERIES[rel] || {} })
  await settle(200)
  return { ...opened, text: text(opened.comp), words: words(opened.comp.dom) }
}

/** The page's text, one piece per text node (so two neighbouring values are never read as one). */
function words(dom) {
  const out = []
  const walk = (node) => {
    if (node.nodeType === 3) {
      const t = node.textContent.trim()
      if (t) out.push(t)
    } else if (node.nodeType === 1 && node.tagName !== 'STYLE' && !node.hasAttribute('hidden')) {
      node.childNodes.forEach(walk)
    }
  }
  walk(dom)
  return out
}

/** Stop what a page left running (timers, schedulers) so the next page starts clean. */
function closePage({ page, comp }) {
  try {
    if (page.onUnload) page.onUnload()
  } catch (e) {
    // a page that had nothing to stop
  }
  comp.detach()
}

function pageTitle(rel) {
  const json = JSON.parse(fs.readFileSync(path.join(ROOT, `${rel}.json`), 'utf8'))
  return json.navigationBarTitleText || APP.window.navigationBarTitleText
}

module.exports = { PAGES, APP, openPage, closePage, pageTitle, words, settle }
