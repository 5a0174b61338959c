import { isoUnits } from '../../../src/core/domain/units';
import type { GatewayOptions } from '../../../src/app/server';
import { STORE_KINDS, startTestGateway, type TestGateway } from '../../support/harness';
import { enterCard, enterPayCode, vaultKeys } from '../../support/voiceCalls';

type Factory = NonNullable<GatewayOptions['processor']>;

/** A processor that fails with an exception instead of answering, as a broken adapter or network would. */
const throwingProcessor: Factory = () => ({
  name: 'throwing',
  units: (amount, currency) => isoUnits(amount, currency, 'the test processor'),
  async charge() {
    throw new Error('connection reset by the processor');
  },
});

/** The real vault, except that issuing the one-time token fails. */
const failingTokenVault: Factory = ({ vault }) => {
  vault.issueToken = async () => {
    throw new Error('token store unavailable');
  };
  return {
    name: 'never-reached',
    units: (amount, currency) => isoUnits(amount, currency, 'the test processor'),
    charge: async () => ({ outcome: 'approved', reference: '0000000000' }),
  };
};

describe.each(STORE_KINDS)('the security code is deleted whatever the charge does (%s store)', (kind) => {
  const started: TestGateway[] = [];
  afterEach(async () => {
    await Promise.all(started.splice(0).map((tg) => tg.close()));
  });

  it.each([
    ['the processor call throws', throwingProcessor],
    ['issuing the vault token throws', failingTokenVault],
  ] as const)('when %s, no security code is left in the vault', async (_, factory) => {
    const tg = await startTestGateway(kind, { processor: factory });
    started.push(tg);
    const payment = await tg.createPayment();
    const call = tg.call();
    await enterPayCode(call, payment.payCode);
    await enterCard(call, '4242424242424242', 'visa');
    expect((await vaultKeys(tg, payment.id)).filter((key) => key.includes(':securityCode.'))).toHaveLength(1);

    await call.press('1');

    // The failure is not the caller's to hear: they hold while the charge's outcome is found out.
    expect(call.redirectUrl()).not.toBeNull();
    expect((await vaultKeys(tg, payment.id)).filter((key) => key.includes(':securityCode.'))).toEqual([]);
  });
});
