import { returnUrlFor } from '../../../../src/core/payments/returnUrl';

describe('returnUrlFor', () => {
  it('adds the payment id and status to the return URL, keeping its own query', () => {
    expect(returnUrlFor('https://ivr.example.com/after?order=42', 'pay_abc', 'succeeded')).toBe('https://ivr.example.com/after?order=42&paymentId=pay_abc&paymentStatus=succeeded');
  });

  it('replaces a paymentId or paymentStatus the URL already carries, so the caller cannot be told another outcome', () => {
    const url = new URL(returnUrlFor('https://ivr.example.com/after?paymentStatus=succeeded&paymentId=pay_other', 'pay_abc', 'failed'));
    expect(url.searchParams.getAll('paymentStatus')).toEqual(['failed']);
    expect(url.searchParams.getAll('paymentId')).toEqual(['pay_abc']);
  });
});
