/**
 * The one loading / empty / offline / error state of a page or a list: a spinner while loading; otherwise, when
 * there is nothing to show, what happened and the next action (重试 after an error or offline, or the page's own
 * action when empty). `bind:retry` and `bind:action` are the page's.
 *
 *   <page-state loading="{{loading}}" error="{{error}}" offline="{{offline}}" empty="{{!items.length}}"
 *               empty-text="暂无申请" action-text="办理业务" bind:retry="onShow" bind:action="onNew" />
 */
Component({
  options: { virtualHost: true },
  properties: {
    loading: { type: Boolean, value: false },
    error: { type: String, value: '' },
    offline: { type: Boolean, value: false },
    empty: { type: Boolean, value: false },
    emptyText: { type: String, value: '暂无内容' },
    actionText: { type: String, value: '' },
  },
  observers: {
    'loading, error, offline, empty': function (loading, error, offline, empty) {
      let state = ''
      if (loading) state = 'loading'
      else if (offline) state = 'offline'
      else if (error) state = 'error'
      else if (empty) state = 'empty'
      this.setData({ state })
    },
  },
  data: { state: '' },
  methods: {
    onRetry() {
      this.triggerEvent('retry')
    },
    onAction() {
      this.triggerEvent('action')
    },
  },
})
