const { installFakeWx, load } = require('../support/load-page')

function render(rel, props) {
  installFakeWx()
  const simulate = require('miniprogram-simulate')
  const id = load(rel)
  const comp = simulate.render(id, props)
  comp.attach(document.createElement('parent-wrapper'))
  return comp
}

test('save-state shows saved / saving / offline with the queued count / error with the reason', () => {
  const comp = render('components/save-state/index', { state: 'saved' })
  expect(comp.dom.textContent).toContain('已保存')
  comp.setData({ state: 'saving' })
  expect(comp.dom.textContent).toContain('保存中')
  comp.setData({ state: 'offline', pendingCount: 3 })
  expect(comp.dom.textContent).toContain('联网后自动提交（3 题待保存）')
  comp.setData({ state: 'error', message: '选项不存在' })
  expect(comp.dom.textContent).toContain('有答案未能保存：选项不存在')
})

test('countdown formats the server-computed time left and warns in the last five minutes', () => {
  const comp = render('components/countdown/index', { ms: 3723000 })
  expect(comp.dom.textContent).toContain('1:02:03')
  comp.setData({ ms: 299000 })
  expect(comp.dom.textContent).toContain('04:59')
  expect(comp.data.warn).toBe(true)
  comp.setData({ ms: -1 })
  expect(comp.dom.textContent).toContain('--:--')
})
