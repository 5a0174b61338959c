/**
 * The one way tests wait for something to happen: poll a condition until it holds, with a deadline.
 * A fixed sleep either wastes time or, on a busy shared machine, is too short; a condition is
 * neither. Deadlines should leave room (several times what the wait takes on an idle machine).
 */

/** How often a condition is looked at again: short beside any deadline, long beside one probe. */
const POLL_MS = 25;

/**
 * Resolves with the first value of `probe` that is neither false, null nor undefined; fails after
 * `timeoutMs`, naming `what` it waited for. An error thrown by the probe fails the wait at once.
 */
export async function eventually<T>(probe: () => T | Promise<T>, timeoutMs: number, what: string): Promise<Exclude<T, false | null | undefined>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = await probe();
    if (found !== false && found !== null && found !== undefined) return found as Exclude<T, false | null | undefined>;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}
