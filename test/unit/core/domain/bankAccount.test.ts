import { accountTypeOfKey, checkAccountNumber, maskedBankAccount } from '../../../../src/core/domain/bankAccount';

describe('bank account number', () => {
  it('accepts 4 to 17 digits and gives the last 4', () => {
    expect(checkAccountNumber('000123456789')).toEqual({ ok: true, last4: '6789' });
    expect(checkAccountNumber('1234')).toEqual({ ok: true, last4: '1234' });
    expect(checkAccountNumber('12345678901234567')).toEqual({ ok: true, last4: '4567' });
  });

  it('refuses other lengths and anything but digits', () => {
    expect(checkAccountNumber('123')).toEqual({ ok: false, problem: 'length' });
    expect(checkAccountNumber('123456789012345678')).toEqual({ ok: false, problem: 'length' });
    expect(checkAccountNumber('12*4')).toEqual({ ok: false, problem: 'format' });
    expect(checkAccountNumber('')).toEqual({ ok: false, problem: 'format' });
  });
});

describe('account type', () => {
  it('is 1 for checking and 2 for savings, nothing else', () => {
    expect(accountTypeOfKey('1')).toBe('checking');
    expect(accountTypeOfKey('2')).toBe('savings');
    for (const other of ['', '0', '3', '12', '*', 'x']) expect(accountTypeOfKey(other)).toBeNull();
  });
});

describe('masked bank account', () => {
  it('shows "Bank •••• 6789", never more than 4 digits', () => {
    expect(maskedBankAccount('6789')).toBe('Bank •••• 6789');
    expect(maskedBankAccount('000123456789')).toBe('Bank •••• 6789');
  });
});
