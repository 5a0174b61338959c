import { endpointUrlProblem, type ResolveHost } from '../../../src/webhooks/endpointUrl';

/** A resolver answering from a table, so the rules are tested without DNS. */
const table =
  (entries: Record<string, string[]>): ResolveHost =>
  async (host) => {
    const found = entries[host];
    if (!found) throw new Error('ENOTFOUND');
    return found;
  };

const resolve = table({
  'hooks.example.com': ['93.184.216.34'],
  'internal.example.com': ['10.1.2.3'],
  'mixed.example.com': ['93.184.216.34', '192.168.1.10'],
  'metadata.example.com': ['169.254.169.254'],
  'v6.example.com': ['2606:2800:220:1::1'],
  'v6-local.example.com': ['fe80::1'],
  'mapped.example.com': ['::ffff:127.0.0.1'],
});
const production = { production: true, resolve };
const development = { production: false, resolve };

describe('endpoint URL rules', () => {
  it('takes https anywhere public, and plain http only to localhost outside production', async () => {
    expect(await endpointUrlProblem('https://hooks.example.com/payments', production)).toBeNull();
    expect(await endpointUrlProblem('https://v6.example.com/payments', production)).toBeNull();
    expect(await endpointUrlProblem('http://127.0.0.1:8080/hooks', development)).toBeNull();
    expect(await endpointUrlProblem('http://localhost:8080/hooks', development)).toBeNull();
    expect(await endpointUrlProblem('http://[::1]:8080/hooks', development)).toBeNull();
    expect(await endpointUrlProblem('http://hooks.example.com/payments', development)).toMatch(/https/);
    expect(await endpointUrlProblem('http://localhost:8080/hooks', production)).toMatch(/https in production/);
  });

  it('refuses, in production, hosts that resolve to private, loopback or link-local addresses (any of them)', async () => {
    for (const url of [
      'https://internal.example.com/x',
      'https://mixed.example.com/x',
      'https://metadata.example.com/x',
      'https://v6-local.example.com/x',
      'https://mapped.example.com/x',
      'https://127.0.0.1/x',
      'https://[::1]/x',
      'https://172.16.5.4/x',
      'https://100.64.0.1/x',
    ]) {
      expect([url, await endpointUrlProblem(url, production)]).toEqual([url, expect.stringMatching(/private, loopback or link-local/)]);
    }
    expect(await endpointUrlProblem('https://nowhere.example.com/x', production)).toMatch(/does not resolve/);
    // Outside production a developer's own machine and network are fair game.
    expect(await endpointUrlProblem('https://internal.example.com/x', development)).toBeNull();
  });

  it('refuses what is not an absolute https URL, credentials and fragments', async () => {
    expect(await endpointUrlProblem('hooks.example.com', development)).toMatch(/absolute https/);
    expect(await endpointUrlProblem('ftp://hooks.example.com/', development)).toMatch(/absolute https/);
    expect(await endpointUrlProblem('https://a:b@hooks.example.com/', development)).toMatch(/credentials/);
    expect(await endpointUrlProblem('https://hooks.example.com/#x', development)).toMatch(/fragment/);
    expect(await endpointUrlProblem(`https://hooks.example.com/${'a'.repeat(2100)}`, development)).toMatch(/at most/);
  });
});
