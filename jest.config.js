/** Type checking runs once in `npm run typecheck`; jest only transpiles, which keeps the suite fast. */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { diagnostics: false }] },
  globalSetup: '<rootDir>/test/support/globalSetup.ts',
  globalTeardown: '<rootDir>/test/support/globalTeardown.ts',
  testTimeout: 20000,
  // On two cores jest runs the files in its own process, so whatever a suite leaves open keeps the run
  // alive after the last test. One such handle is fixed: closing a gateway on Redis left ioredis's 2 s
  // "socket still open" timer behind (the BullMQ job queue ended its client twice). Run without this
  // per directory (in band, no forceExit), the integration suites of relay, phone, core, app, adapters,
  // cli, api, webhooks, support, embed, payments, architecture and bench now exit by themselves with
  // nothing left open. test/integration/agent/signInLimits.test.ts still does not end: its gateway closes
  // after its private Redis was stopped, and BullmqJobQueue.close then leaves the BullMQ worker's lock
  // extender and stalled check running (worker.close() waits for Redis forever; only the disconnects are
  // bounded). Until that is fixed in the job queue this ends the process once the results are in.
  forceExit: true,
};
