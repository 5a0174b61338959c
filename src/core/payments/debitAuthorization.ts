import { z } from 'zod';
import type { AccountType } from '../domain/bankAccount';

/**
 * The caller's acceptance of a bank debit, kept on the payment: what NACHA asks of a debit authorised
 * by telephone (the date, the amount, the account, the words the consumer agreed to). Only the
 * account's last 4 digits: the routing and account numbers stay in the vault, and leave it for the
 * processor only.
 */
export interface DebitAuthorization {
  /** When the caller pressed 1 after hearing the authorisation (ISO). */
  acceptedAt: string;
  /** How it was given: a keypress on a recorded-free phone capture. */
  method: 'phone_keypress';
  amount: string;
  currency: string;
  accountLast4: string;
  accountType: AccountType;
  /** The flow whose words were heard, in which language. */
  flowId: string;
  flowVersion: number;
  locale: string;
  /** SHA-256 (hex) of the flow's `authorization.ask` text in that language, as written in the flow file. */
  textSha256: string;
}

/**
 * The fields of a DebitAuthorization as a zod shape, written once: the stored payment's schema reads
 * them leniently (`z.looseObject`), the API's view states them for the OpenAPI document (`z.object`,
 * with its timestamp and integer forms).
 */
export const debitAuthorizationFields = {
  acceptedAt: z.string(),
  method: z.literal('phone_keypress'),
  amount: z.string(),
  currency: z.string(),
  accountLast4: z.string().regex(/^[0-9]{4}$/),
  accountType: z.enum(['checking', 'savings']),
  flowId: z.string(),
  flowVersion: z.number(),
  locale: z.string(),
  textSha256: z.string().regex(/^[0-9a-f]{64}$/),
};
