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
  // nothing left open (links, agent, browser, unit, fuzz and model not rechecked); the whole suite has not
  // yet been checked without it, so until then this ends the process once the results are in.
  forceExit: true,
};
