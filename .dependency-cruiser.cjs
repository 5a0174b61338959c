/**
 * Import rules that keep the house in order; `npm run lint:deps` (part of `npm test`) fails when one
 * breaks. A capability never reaches into the HTTP shell, nothing imports in a circle, and only the
 * capture core knows the machine's state names (enforced by a test, since that is not an import).
 */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment:
        'An import circle makes start-up order and testing fragile: break it with a port or a callback. ' +
        'A circle closed only by a type import is erased at compile time and allowed.',
      from: { path: '^src' },
      to: { circular: true, viaOnly: { dependencyTypesNot: ['type-only'] } },
    },
    {
      name: 'capabilities-not-http',
      severity: 'error',
      comment: 'The composition root wires routers to capabilities; a capability never imports the HTTP shell.',
      from: { path: '^src/(capture|links|bridge|agent|payments|flows|domain|ports|store|vault|processors|telephony)/' },
      to: { path: '^src/http/' },
    },
    {
      name: 'core-not-adapters',
      severity: 'error',
      comment: 'Domain rules, flows and ports know no adapter: adapters plug into ports.',
      from: { path: '^src/(domain|flows|ports)/' },
      to: { path: '^src/(store|vault|processors|http|cli)/' },
    },
    {
      name: 'nothing-imports-the-cli',
      severity: 'error',
      comment: 'The command-line tools are entry points of their own.',
      from: { path: '^src/', pathNot: '^src/cli/' },
      to: { path: '^src/cli/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
  },
};
