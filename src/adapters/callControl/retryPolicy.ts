/** Bounded retries with exponential backoff for requests that may be repeated safely. */
export interface RetryPolicy {
  attempts: number;
  baseDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 3, baseDelayMs: 200 };

/** Runs `work` until it succeeds, `shouldRetry` says no, or the attempts are spent; the last error is thrown. */
export async function withRetries<T>(work: () => Promise<T>, shouldRetry: (error: unknown) => boolean, policy: RetryPolicy): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await work();
    } catch (error) {
      if (attempt >= policy.attempts || !shouldRetry(error)) throw error;
      await new Promise((resolve) => setTimeout(resolve, policy.baseDelayMs * 2 ** (attempt - 1)));
    }
  }
}
