/**
 * A signed-in device as a person names it, from the User-Agent the server recorded. The app's own HTTP client
 * (okhttp on Android, CFNetwork / Alamofire on iOS) is our 医师服务 App, not "okhttp"; WeChat is named with the
 * phone it runs on.
 */
const APP_CLIENTS = /^(okhttp|CFNetwork|Alamofire|Dart|yishi-app)\b/i

function phoneOf(ua) {
  let m = ua.match(/\b(iPhone|iPad)\b/)
  if (m) {
    const v = ua.match(/OS (\d+)[_.]?(\d+)?/)
    return `${m[1]}${v ? `（iOS ${v[1]}）` : ''}`
  }
  m = ua.match(/Android (\d+)[^;)]*;\s*([^;)]+?)(?:\s+Build\/[^;)]*)?[;)]/)
  if (m) return `Android 手机（${/^(wv|K|U|Linux)$/.test(m[2].trim()) ? `Android ${m[1]}` : m[2].trim()}）`
  if (/Android/i.test(ua)) return 'Android 手机'
  if (/Windows/i.test(ua)) return 'Windows 电脑'
  if (/Macintosh|Mac OS X/i.test(ua)) return 'Mac 电脑'
  return ''
}

function deviceName(ua) {
  if (!ua) return '未知设备'
  if (APP_CLIENTS.test(ua)) return '医师服务 App'
  const phone = phoneOf(ua)
  if (/MicroMessenger/i.test(ua)) {
    const where = /miniProgram/i.test(ua) ? '医师服务小程序' : '微信'
    return phone ? `${where} · ${phone}` : where
  }
  if (/yishi|医师服务/i.test(ua)) return phone ? `医师服务 App · ${phone}` : '医师服务 App'
  if (phone) return /Chrome|Safari|Firefox|Edg/i.test(ua) ? `浏览器 · ${phone}` : phone
  if (/Chrome|Safari|Firefox|Edg/i.test(ua)) return '浏览器'
  return '其他设备'
}

module.exports = { deviceName }
