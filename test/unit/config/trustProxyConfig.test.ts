import { loadConfig } from '../../../src/config/config';
import { GOOD_PRODUCTION_ENV, problemsOf } from '../../support/configProblems';

const PRODUCTION = GOOD_PRODUCTION_ENV;

describe('TRUST_PROXY', () => {
  it('trusts no proxy by default, in development and in production', () => {
    expect(loadConfig({}).http.trustProxy).toBe(false);
    expect(loadConfig(PRODUCTION).http.trustProxy).toBe(false);
    expect(loadConfig({ TRUST_PROXY: 'none' }).http.trustProxy).toBe(false);
    expect(loadConfig({ TRUST_PROXY: '0' }).http.trustProxy).toBe(false);
  });

  it('takes a hop count, or addresses, CIDR ranges and the named ranges', () => {
    expect(loadConfig({ TRUST_PROXY: '2' }).http.trustProxy).toBe(2);
    expect(loadConfig({ TRUST_PROXY: 'loopback, 10.0.0.0/8,fd00::/8, 192.0.2.10, uniquelocal' }).http.trustProxy).toEqual([
      'loopback',
      '10.0.0.0/8',
      'fd00::/8',
      '192.0.2.10',
      'uniquelocal',
    ]);
  });

  it.each([
    ['true', /TRUST_PROXY: trusting every peer lets any client choose its address/],
    ['*', /TRUST_PROXY: trusting every peer/],
    ['10.0.0.0/33', /TRUST_PROXY: not an address, CIDR range, loopback, linklocal or uniquelocal: "10.0.0.0\/33"/],
    ['loopback, proxy.internal', /TRUST_PROXY: not an address.*"proxy.internal"/],
    ['99', /TRUST_PROXY: a hop count must be 0 to 16/],
  ])('refuses %s with one line', (value, message) => {
    const problems = problemsOf({ ...PRODUCTION, TRUST_PROXY: value });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(message);
  });
});
