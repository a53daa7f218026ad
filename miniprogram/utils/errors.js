/**
 * Errors the pages see. Every failure of a network action becomes an ApiError whose `message` is Chinese text
 * fit to show: the server's own message when it sent one (its `{"error": {code, message, field, details}}`),
 * else the message this table holds for the code, else a generic one. Pages never invent their own wording
 * for a server refusal.
 */

// Codes the client itself produces (no answer from the server, or an answer that is not ours).
const CLIENT_MESSAGES = {
  NETWORK: '网络连接失败，请检查网络后重试',
  TIMEOUT: '网络超时，请稍后重试',
  BAD_RESPONSE: '服务器返回了无法识别的内容，请稍后重试',
  UPLOAD_FAILED: '文件上传失败，请重试',
  NOT_LOGGED_IN: '请先登录',
  WECHAT_LOGIN_FAILED: '微信登录失败，请重试或使用手机号登录',
  PHONE_AUTH_DENIED: '未授权手机号，可改用短信验证码注册',
  CAMERA_FAILED: '无法使用摄像头，请在设置中允许使用摄像头后重试',
  ATTACHMENT_UNAVAILABLE: '该附件无法查看',
  DOCUMENT_OPEN_FAILED: '文件无法打开，请稍后重试',
  ANSWERS_PENDING: '还有答案尚未保存，请联网后再交卷',
}

// Fallbacks for server codes, used only when the server's body carried no message (a proxy's 502 page …).
const STATUS_MESSAGES = {
  400: '请求有误，请检查后重试',
  401: '登录已失效，请重新登录',
  403: '没有权限执行此操作',
  404: '请求的内容不存在',
  409: '当前状态不允许此操作',
  413: '上传内容过大',
  422: '提交的数据格式不正确',
  423: '账号已临时锁定，请稍后再试',
  429: '操作过于频繁，请稍后再试',
  500: '服务器内部错误，请稍后再试',
  502: '服务暂时不可用，请稍后再试',
  503: '服务暂时不可用，请稍后再试',
  504: '服务响应超时，请稍后再试',
}

const GENERIC = '操作失败，请稍后重试'

class ApiError extends Error {
  constructor({ code, message, status = 0, field = null, details = null }) {
    super(message || CLIENT_MESSAGES[code] || STATUS_MESSAGES[status] || GENERIC)
    this.name = 'ApiError'
    this.code = code || 'UNKNOWN'
    this.status = status
    this.field = field
    this.details = details
  }

  /** True when the request never got an answer: worth queueing and retrying. */
  get offline() {
    return this.code === 'NETWORK' || this.code === 'TIMEOUT'
  }
}

/** The ApiError for an HTTP answer with status >= 400. */
function fromResponse(status, body) {
  const error = body && typeof body === 'object' && body.error && typeof body.error === 'object' ? body.error : null
  if (error && typeof error.code === 'string') {
    return new ApiError({
      code: error.code,
      message: typeof error.message === 'string' && error.message ? error.message : null,
      status,
      field: error.field || null,
      details: error.details || null,
    })
  }
  return new ApiError({ code: `HTTP_${status}`, status })
}

function clientError(code, extra = {}) {
  return new ApiError({ code, ...extra })
}

/** The text to show for anything thrown by a network action. */
function messageOf(err) {
  if (err instanceof ApiError) return err.message
  if (err && typeof err.errMsg === 'string') {
    return /timeout/i.test(err.errMsg) ? CLIENT_MESSAGES.TIMEOUT : CLIENT_MESSAGES.NETWORK
  }
  return GENERIC
}

module.exports = { ApiError, fromResponse, clientError, messageOf, CLIENT_MESSAGES, STATUS_MESSAGES, GENERIC }
