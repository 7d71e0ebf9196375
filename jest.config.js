/**
 * Two projects: `unit` needs nothing running; `cloud` (integration, security, end-to-end) shares
 * one local cloud for the whole run, started by its global setup.
 */
// ts-jest transpiles only (isolatedModules in tsconfig); `npm run lint` type-checks with tsc.
const transform = { '^.+\\.tsx?$': ['ts-jest', {}] };
const common = {
  testEnvironment: 'node',
  transform,
  setupFilesAfterEnv: ['aws-cdk-lib/testhelpers/jest-autoclean'],
};

/** @type {import('jest').Config} */
module.exports = {
  testTimeout: 60_000,
  // The local cloud child is stopped by the global teardown; jest's own wait for it can outlast
  // its one-second grace (--detectOpenHandles finds no open handle in the tests themselves).
  forceExit: true,
  projects: [
    { ...common, displayName: 'unit', roots: ['<rootDir>/test/unit'], testMatch: ['**/*.test.ts'] },
    {
      ...common,
      displayName: 'cloud',
      roots: ['<rootDir>/test/integration', '<rootDir>/test/security', '<rootDir>/test/e2e'],
      testMatch: ['**/*.test.ts'],
      setupFilesAfterEnv: [...common.setupFilesAfterEnv, '<rootDir>/test/support/cleanup.ts'],
      globalSetup: '<rootDir>/test/support/global-setup.ts',
      globalTeardown: '<rootDir>/test/support/global-teardown.ts',
    },
  ],
};
