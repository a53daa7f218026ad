/**
 * The jsdom environment of the `e2e-pages` project, with Node's own networking: miniprogram-simulate needs a DOM,
 * the real wx bridge (test/support/wx-bridge.js) needs fetch, FormData and Blob that Node's fetch accepts (jsdom's
 * FormData and Blob are not Node's and have no fetch). Nothing is mocked: requests go over real HTTP.
 */
const JsdomEnvironment = require('jest-environment-jsdom').TestEnvironment

class LiveEnvironment extends JsdomEnvironment {
  async setup() {
    await super.setup()
    Object.assign(this.global, {
      fetch,
      Headers,
      Request,
      Response,
      FormData,
      Blob,
      AbortController,
      AbortSignal,
      TextEncoder,
      TextDecoder,
    })
  }
}

module.exports = LiveEnvironment
