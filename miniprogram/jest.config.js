module.exports = {
  projects: [
    {
      displayName: 'unit',
      testEnvironment: 'jsdom',
      testMatch: ['<rootDir>/test/unit/**/*.test.js', '<rootDir>/test/pages/**/*.test.js'],
      setupFilesAfterEnv: ['<rootDir>/test/support/setup-unit.js'],
    },
    {
      displayName: 'e2e',
      testEnvironment: 'node',
      testMatch: ['<rootDir>/test/e2e/**/*.test.js'],
    },
  ],
}
