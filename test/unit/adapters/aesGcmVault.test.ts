import { randomBytes } from 'node:crypto';
import type { TokenRefs } from '../../../src/ports/vault';
import { MemoryStore } from '../../../src/adapters/store/memoryStore';
import { AesGcmVault, VaultError, parseVaultKey } from '../../../src/adapters/vault/aesGcmVault';

const CARD = { number: '4242424242424242', expiry: '1230', securityCode: '123' };

describe('AesGcmVault', () => {
  let now: number;
  let store: MemoryStore;
  let vault: AesGcmVault;

  beforeEach(() => {
    now = Date.UTC(2030, 0, 1);
    store = new MemoryStore({ now: () => now });
    vault = new AesGcmVault(store, randomBytes(32));
  });

  afterEach(async () => {
    await store.close();
  });

  async function capture(paymentId: string, card = CARD): Promise<TokenRefs> {
    return {
      cardNumber: await vault.put(paymentId, 'cardNumber', card.number),
      expiry: await vault.put(paymentId, 'expiry', card.expiry),
      securityCode: await vault.put(paymentId, 'securityCode', card.securityCode),
    };
  }

  async function redeemError(token: string): Promise<VaultError> {
    const error: unknown = await vault.redeem(token).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(error).toBeInstanceOf(VaultError);
    return error as VaultError;
  }

  it('returns the captured card through a one-time token', async () => {
    const refs = await capture('pay_1');
    const token = await vault.issueToken('pay_1', refs);
    await expect(vault.redeem(token)).resolves.toEqual(CARD);
  });

  it('seals a billing postal code like a card field and redeems it with the card when the token names it', async () => {
    const refs = { ...(await capture('pay_1')), postalCode: await vault.put('pay_1', 'postalCode', '94103') };
    expect(refs.postalCode).toMatch(/^postalCode\.[0-9a-f]{16}$/);
    const stored = store.snapshot().get(`vault:pay_1:${refs.postalCode}`)!;
    expect(stored).toMatch(/^v1\./);
    expect(stored).not.toContain('94103');
    await expect(vault.redeem(await vault.issueToken('pay_1', refs))).resolves.toEqual({ ...CARD, postalCode: '94103' });
    // A token without it redeems the card alone: a flow that asks no postal code sends none.
    const { postalCode: _left, ...cardOnly } = refs;
    await expect(vault.redeem(await vault.issueToken('pay_1', cardOnly))).resolves.toEqual(CARD);
    await expect(vault.issueToken('pay_1', { ...cardOnly, postalCode: refs.cardNumber })).rejects.toThrow('postalCode');
  });

  it('hands out field-prefixed references that has() recognises', async () => {
    const refs = await capture('pay_1');
    expect(refs.cardNumber).toMatch(/^cardNumber\.[0-9a-f]{16}$/);
    expect(refs.expiry).toMatch(/^expiry\.[0-9a-f]{16}$/);
    expect(refs.securityCode).toMatch(/^securityCode\.[0-9a-f]{16}$/);
    expect(await vault.has('pay_1', refs.cardNumber)).toBe(true);
    expect(await vault.has('pay_2', refs.cardNumber)).toBe(false);
    expect(await vault.has('pay_1', 'cardNumber.0000000000000000')).toBe(false);
  });

  it('keeps no plaintext at rest: only sealed envelopes and references', async () => {
    const refs = await capture('pay_1');
    await vault.issueToken('pay_1', refs);
    const raw = store.snapshot();
    expect(raw.size).toBe(4);

    for (const [key, value] of raw) {
      expect(value).not.toContain(CARD.number);
      if (key.startsWith('vault:token:')) {
        // The token record may only name the payment and the references, never a card field.
        expect(JSON.parse(value)).toEqual({ paymentId: 'pay_1', refs });
      } else {
        expect(value).toMatch(/^v1\.[A-Za-z0-9+/=]+\.[A-Za-z0-9+/=]+\.[A-Za-z0-9+/=]+$/);
        const ciphertext = Buffer.from(value.split('.')[3]!, 'base64').toString('latin1');
        for (const plaintext of Object.values(CARD)) expect(ciphertext).not.toBe(plaintext);
      }
    }
  });

  it('uses a fresh IV for every value, so equal plaintexts look different', async () => {
    await vault.put('pay_1', 'securityCode', '123');
    await vault.put('pay_1', 'securityCode', '123');
    const values = [...store.snapshot().values()];
    expect(new Set(values).size).toBe(2);
  });

  it('rejects a tampered ciphertext with decrypt_failed', async () => {
    const refs = await capture('pay_1');
    const key = `vault:pay_1:${refs.cardNumber}`;
    const [format, iv, tag, ciphertext] = (await store.get(key))!.value.split('.');
    const bytes = Buffer.from(ciphertext!, 'base64');
    bytes[0] = bytes[0]! ^ 0x01;
    await store.set(key, [format, iv, tag, bytes.toString('base64')].join('.'), 60);

    const error = await redeemError(await vault.issueToken('pay_1', refs));
    expect(error.code).toBe('decrypt_failed');
    expect(error.message).not.toContain(CARD.number);
  });

  it('refuses a value moved to another payment, because the payment is authenticated', async () => {
    const victim = await capture('pay_victim', { ...CARD, number: '5555555555554444' });
    const attacker = await capture('pay_attacker');
    const stolen = (await store.get(`vault:pay_victim:${victim.cardNumber}`))!.value;
    await store.set(`vault:pay_attacker:${attacker.cardNumber}`, stolen, 60);

    const error = await redeemError(await vault.issueToken('pay_attacker', attacker));
    expect(error.code).toBe('decrypt_failed');
    expect(error.message).not.toContain('5555555555554444');
  });

  it('refuses a value copied under the same reference of another payment', async () => {
    const victim = await capture('pay_victim');
    const stolen = (await store.get(`vault:pay_victim:${victim.cardNumber}`))!.value;
    const other = await capture('pay_other');
    await store.set(`vault:pay_other:${victim.cardNumber}`, stolen, 60);

    const error = await redeemError(await vault.issueToken('pay_other', { ...other, cardNumber: victim.cardNumber }));
    expect(error.code).toBe('decrypt_failed');
  });

  it('redeems a token only once', async () => {
    const token = await vault.issueToken('pay_1', await capture('pay_1'));
    await vault.redeem(token);
    expect((await redeemError(token)).code).toBe('token_invalid');
  });

  it('rejects an expired token', async () => {
    const token = await vault.issueToken('pay_1', await capture('pay_1'));
    now += 121_000;
    expect((await redeemError(token)).code).toBe('token_invalid');
  });

  it('rejects tokens it never issued without echoing them', async () => {
    const forged = randomBytes(32).toString('base64url');
    const error = await redeemError(forged);
    expect(error.code).toBe('token_invalid');
    expect(error.message).not.toContain(forged);
    expect((await redeemError('not a token')).code).toBe('token_invalid');
  });

  it('reports value_missing when a value lapsed before its token was redeemed', async () => {
    const refs = await capture('pay_1');
    const token = await vault.issueToken('pay_1', refs);
    await store.delete(`vault:pay_1:${refs.expiry}`);
    const error = await redeemError(token);
    expect(error.code).toBe('value_missing');
    expect(error.message).toContain('expiry');
  });

  it('lets values expire after their TTL', async () => {
    const refs = await capture('pay_1');
    now += 1_801_000;
    expect(await vault.has('pay_1', refs.cardNumber)).toBe(false);
  });

  it('discards references and ignores missing or malformed ones', async () => {
    const refs = await capture('pay_1');
    const token = await vault.issueToken('pay_1', refs);
    await vault.discard('pay_1', [refs.cardNumber, refs.expiry, refs.securityCode, 'expiry.ffffffffffffffff', '../*']);
    expect(await vault.has('pay_1', refs.cardNumber)).toBe(false);
    expect([...store.snapshot().keys()].filter((key) => key.startsWith('vault:pay_1:'))).toEqual([]);
    expect((await redeemError(token)).code).toBe('value_missing');
  });

  it('refuses to issue a token for references of the wrong field', async () => {
    const refs = await capture('pay_1');
    await expect(vault.issueToken('pay_1', { ...refs, expiry: refs.cardNumber })).rejects.toThrow(/expiry/);
  });

  it('rejects a key that is not exactly 32 bytes', () => {
    expect(() => new AesGcmVault(store, randomBytes(16))).toThrow(/32-byte/);
    expect(() => new AesGcmVault(store, randomBytes(33))).toThrow(/32-byte/);
  });
});

describe('parseVaultKey', () => {
  it('decodes a base64 key of exactly 32 bytes', () => {
    const key = randomBytes(32);
    expect(parseVaultKey(key.toString('base64')).equals(key)).toBe(true);
    expect(parseVaultKey(`${key.toString('base64url')}\n`).equals(key)).toBe(true);
  });

  it('rejects keys of another length without echoing them', () => {
    const short = randomBytes(16).toString('base64');
    expect(() => parseVaultKey(short)).toThrow(/exactly 32 bytes, got 16/);
    expect(() => parseVaultKey(short)).not.toThrow(short);
  });

  it('rejects text that is not base64 instead of decoding part of it', () => {
    expect(() => parseVaultKey(`${randomBytes(32).toString('base64')}!`)).toThrow(/not valid base64/);
    expect(() => parseVaultKey('')).toThrow(/not valid base64/);
  });
});

describe('AesGcmVault as a sealer of saved-card tokens', () => {
  const vault = new AesGcmVault(new MemoryStore(), randomBytes(32));

  it('opens a sealed value only under the context it was sealed for', () => {
    const sealed = vault.seal('pm_gw_012345678901', 'pm_1Abc');
    expect(sealed).not.toContain('pm_1Abc');
    expect(vault.open('pm_gw_012345678901', sealed)).toBe('pm_1Abc');
    expect(vault.open('pm_gw_999999999999', sealed)).toBeNull();
  });

  it('refuses a tampered envelope and one sealed with another key', () => {
    const sealed = vault.seal('pm_gw_012345678901', 'tok_secret');
    const parts = sealed.split('.');
    const ciphertext = Buffer.from(parts[3]!, 'base64');
    ciphertext[0] = ciphertext[0]! ^ 1;
    expect(vault.open('pm_gw_012345678901', [...parts.slice(0, 3), ciphertext.toString('base64')].join('.'))).toBeNull();
    expect(new AesGcmVault(new MemoryStore(), randomBytes(32)).open('pm_gw_012345678901', sealed)).toBeNull();
  });

  it('never opens a sealed value as a vaulted card field (the AAD differs)', async () => {
    const store = new MemoryStore();
    const own = new AesGcmVault(store, randomBytes(32));
    const ref = await own.put('pay_abc', 'cardNumber', '4242424242424242');
    const stored = (await store.get(`vault:pay_abc:${ref}`))!.value;
    expect(own.open(`pay_abc:${ref}`, stored)).toBeNull();
  });
});
