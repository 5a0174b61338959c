import { z } from 'zod';
import { CARD_BRANDS, type CardBrand } from '../domain/cardBrand';
import { DECLINE_CODES } from '../../ports/processor';
import type { Failure } from '../capture/types';

/** Pieces several stored records share. Records are loose objects: a field a newer release adds survives a rewrite. */

export const storedCardSchema = z.object({
  brand: z.enum(CARD_BRANDS as [CardBrand, ...CardBrand[]]),
  last4: z.string(),
});

export const storedFailureSchema: z.ZodType<Failure> = z.object({
  code: z.enum([...DECLINE_CODES, 'too_many_attempts', 'caller_hung_up', 'caller_line_dropped']),
  message: z.string(),
});

/** A stored list of names or ids (the indexes kept beside records). */
export const storedIdsSchema = z.array(z.string());
