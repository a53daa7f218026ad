/** A stable id for this phone's copy of the app: the exam server ties an attempt to one device. */
const KEY = 'device_id'

function deviceId() {
  let id = null
  try {
    id = wx.getStorageSync(KEY)
  } catch (e) {
    id = null
  }
  if (!id) {
    id = `mp-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`
    try {
      wx.setStorageSync(KEY, id)
    } catch (e) {
      // unsaved: this run still uses one id
    }
  }
  return id
}

module.exports = { deviceId }
