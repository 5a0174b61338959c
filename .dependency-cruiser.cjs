/**
 * Import rules that keep the house in order; `npm run lint:deps` (part of `npm test`) fails when one
 * breaks. The map (docs/ARCHITECTURE.md):
 *   src/app            composition root and HTTP shell: the only place that picks adapters and mounts routes
 *   src/config         the one configuration schema
 *   src/core           shared kernels: domain rules, flows, the capture machine, payments, records, HTTP/Twilio kit
 *   src/ports          interfaces the core and the capabilities need from the outside world
 *   src/adapters       implementations of the ports (store, vault, processors, call control, event bus)
 *   src/phone, src/links, src/agent, src/api, src/relay, src/webhooks, src/embed   the capabilities, each with its service, routes and pages
 *   src/observability  logs and metrics, used by everyone
 *   src/cli            command-line entry points
 * Only the capture core knows the machine's state names (a test checks that, since it is not an import).
 */
const CAPABILITIES = '(phone|links|agent|api|relay|webhooks|embed)';

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
      name: 'nothing-imports-the-shell',
      severity: 'error',
      comment: 'The composition root wires routes to capabilities; nothing outside src/app imports it.',
      from: { path: '^src/', pathNot: ['^src/app/', '^src/main\\.ts$', '^src/cli/'] },
      to: { path: '^src/app/' },
    },
    {
      name: 'capability-internals',
      severity: 'error',
      comment: 'A capability uses another only through its index.ts, the surface it chooses to show.',
      from: { path: `^src/${CAPABILITIES}/` },
      to: { path: `^src/${CAPABILITIES}/`, pathNot: ['^src/$1/', `^src/${CAPABILITIES}/index\\.ts$`] },
    },
    {
      name: 'only-the-root-picks-adapters',
      severity: 'error',
      comment: 'Capabilities and the core receive adapters through ports; only the composition root (and the CLI) builds them.',
      from: { path: [`^src/${CAPABILITIES}/`, '^src/core/', '^src/ports/'] },
      to: { path: '^src/adapters/' },
    },
    {
      name: 'core-knows-no-capability',
      severity: 'error',
      comment: 'The shared kernels serve every capability and so depend on none.',
      from: { path: ['^src/core/', '^src/ports/', '^src/config/'] },
      to: { path: `^src/(${CAPABILITIES.slice(1, -1)}|adapters|cli)/` },
    },
    {
      name: 'adapters-know-no-capability',
      severity: 'error',
      comment: 'An adapter implements a port; it never reaches into a capability.',
      from: { path: '^src/adapters/' },
      to: { path: `^src/${CAPABILITIES}/` },
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
