const { deviceName } = require('../../utils/device-name')

test.each([
  ['okhttp/4.12.0', '医师服务 App'],
  ['okhttp', '医师服务 App'],
  ['CFNetwork/1490.0.4 Darwin/23.2.0', '医师服务 App'],
  [
    'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) MicroMessenger/8.0.50 miniProgram',
    '医师服务小程序 · iPhone（iOS 17）',
  ],
  [
    'Mozilla/5.0 (Linux; Android 14; SM-S9180 Build/UP1A) MicroMessenger/8.0.49 miniProgram',
    '医师服务小程序 · Android 手机（SM-S9180）',
  ],
  ['Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/120 Safari/537.36', '浏览器 · Windows 电脑'],
  ['', '未知设备'],
  ['curl/8.0', '其他设备'],
])('%s → %s', (ua, name) => {
  expect(deviceName(ua)).toBe(name)
})
