/** Type checking runs once in `npm run typecheck`; jest only transpiles, which keeps the suite fast. */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { diagnostics: false }] },
  globalSetup: '<rootDir>/test/support/globalSetup.ts',
  globalTeardown: '<rootDir>/test/support/globalTeardown.ts',
  testTimeout: 20000,
  // No forceExit: whatever a suite leaves open keeps the run alive after its last test, so a leak
  // shows ("Jest did not exit one second after the test run has completed") instead of hiding.
};
