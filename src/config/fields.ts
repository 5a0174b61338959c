import { z } from 'zod';

/**
 * The building blocks of the configuration schema. Every variable arrives as an environment string;
 * a blank one counts as unset, so a `FOO=` left in a file means the default rather than an error.
 */

/** A trimmed value, or undefined when unset or blank. */
export const optionalText = z
  .string()
  .trim()
  .transform((s) => (s === '' ? undefined : s))
  .optional();

/** A whole number within bounds, the default when unset or blank. */
export const intWithDefault = (fallback: number, min: number, max: number) =>
  z
    .string()
    .trim()
    .optional()
    .transform((s) => (s === undefined || s === '' ? String(fallback) : s))
    .pipe(z.string().regex(/^\d+$/, 'must be a whole number'))
    .transform(Number)
    .pipe(z.number().int().min(min).max(max));

/** An optional value that must pass `check` when set. */
export const optional = <T extends z.ZodType<unknown, string>>(check: T) => optionalText.pipe(check.optional());

/**
 * A variable another section owns and checks, read here only for what it says: whether it is set, or
 * which mode it names. Never reported from here, so a bad value is one line, from its own section.
 */
export const readOnly = z.string().optional();

/** Whether a variable read with `readOnly` is set to something other than blanks. */
export const isSet = (value: string | undefined): boolean => (value ?? '').trim() !== '';

/** Whether NODE_ENV, read with `readOnly`, names production. */
export const isProduction = (nodeEnv: string | undefined): boolean => (nodeEnv ?? '').trim() === 'production';

/**
 * Options of a section's cross-field rules: they run even when one of the section's variables is
 * malformed, so an operator sees every problem at once. A malformed variable then reaches the rules
 * as written (trimmed) rather than parsed, which is why rules only ask whether a variable is set and
 * which mode it names; its own schema reports what is wrong with it.
 */
export const EVEN_WITH_MALFORMED_VALUES = { when: () => true } as const;

/** A problem of the variable `name`, found by a cross-field rule. */
export function problem(ctx: z.core.$RefinementCtx<unknown>, name: string, message: string): void {
  ctx.addIssue({ code: 'custom', path: [name], message });
}
