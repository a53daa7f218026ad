// TDesign ships ES modules (miniprogram_npm/, built from node_modules by scripts/build-npm.js); DevTools
// transpiles them when it compiles, and jest does the same here so the page tests load the real components.
const transform = {
  'miniprogram_npm/.+\\.js$': [
    'babel-jest',
    { babelrc: false, configFile: false, plugins: ['@babel/plugin-transform-modules-commonjs'] },
  ],
}

module.exports = {
  globalSetup: '<rootDir>/test/support/global-setup.js',
  projects: [
    {
      displayName: 'unit',
      testEnvironment: 'jsdom',
      testMatch: ['<rootDir>/test/unit/**/*.test.js', '<rootDir>/test/pages/**/*.test.js'],
      setupFilesAfterEnv: ['<rootDir>/test/support/setup-unit.js'],
      transform,
      moduleDirectories: ['node_modules', 'miniprogram_npm'],
    },
    {
      // `npm run render` only: pictures of every page (needs Chromium), not part of `npm test`.
      displayName: 'render',
      testEnvironment: 'jsdom',
      testMatch: ['<rootDir>/test/render/**/*.test.js'],
      setupFilesAfterEnv: ['<rootDir>/test/support/setup-unit.js'],
      transform,
      moduleDirectories: ['node_modules', 'miniprogram_npm'],
    },
    {
      displayName: 'e2e',
      testEnvironment: 'node',
      testMatch: ['<rootDir>/test/e2e/**/*.test.js'],
    },
    {
      // Pages (miniprogram-simulate, as `unit`) driven against a real server through test/support/live-page.js:
      // jsdom for the pages, Node's fetch for the wx bridge (test/support/live-environment.js).
      displayName: 'e2e-pages',
      testEnvironment: '<rootDir>/test/support/live-environment.js',
      testMatch: ['<rootDir>/test/e2e-pages/**/*.test.js'],
      transform,
      moduleDirectories: ['node_modules', 'miniprogram_npm'],
    },
  ],
}
