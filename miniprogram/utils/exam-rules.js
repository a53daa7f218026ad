/**
 * An exam's rules in words, from the pass marks the server sends (MyExamOut.pass_marks, SectionOut.pass_mark):
 * each section's mark, and what falling short means. The law section comes first in the professional exam and
 * gates it: below its mark the attempt ends there and the exam is failed (the server's law gate).
 */
const SECTION_TEXT = { law: '法律法规', professional: '专业知识', humanities: '人文医学' }

function sectionRule(section, mark, { gated }) {
  const title = SECTION_TEXT[section] || '本部分'
  if (mark === null || mark === undefined) return null
  const consequence = gated
    ? `未达到 ${mark} 分，考试即结束，不再进入下一部分，本次测评不合格`
    : `未达到 ${mark} 分，本次测评不合格`
  return { section, title, mark, text: `${title}：合格线 ${mark} 分（百分制）`, consequence }
}

/** [{section, title, mark, text, consequence}] in the order the exam runs (law first). */
function rulesOf(passMarks) {
  const keys = Object.keys(passMarks || {})
  const ordered = keys.sort((a, b) => (a === 'law' ? -1 : b === 'law' ? 1 : 0))
  return ordered.map((k) => sectionRule(k, passMarks[k], { gated: k === 'law' && ordered.length > 1 })).filter(Boolean)
}

/** The same from an attempt's sections [{section, title, pass_mark}]. */
function rulesOfSections(sections) {
  const list = (sections || []).filter((s) => typeof s === 'object')
  return list
    .map((s, i) => {
      const r = sectionRule(s.section, s.pass_mark, { gated: s.section === 'law' && i < list.length - 1 })
      return r && { ...r, title: s.title || r.title, text: `${s.title || r.title}：合格线 ${s.pass_mark} 分（百分制）` }
    })
    .filter(Boolean)
}

module.exports = { rulesOf, rulesOfSections, SECTION_TEXT }
