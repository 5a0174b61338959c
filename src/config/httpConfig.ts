import { z } from 'zod';
import { EVEN_WITH_MALFORMED_VALUES, intWithDefault, isProduction, optional, problem, readOnly } from './fields';
import { trustProxySetting, type TrustProxy } from './trustProxy';

/** Where the gateway listens and how the outside world reaches it. */
export interface HttpSettings {
  readonly port: number;
  /** The URL Twilio and browsers see, without a trailing slash. */
  readonly publicBaseUrl: string;
  /** PUBLIC_BASE_URL was unset: the URL is this machine's, and follows the port actually bound. */
  readonly publicBaseUrlIsLocal: boolean;
  /** The proxies whose X-Forwarded-For names the client (TRUST_PROXY); false trusts none. */
  readonly trustProxy: TrustProxy;
}

const absoluteUrl = z.string().url();

/** PORT, PUBLIC_BASE_URL and TRUST_PROXY, and what production demands of the public URL. */
export const httpSchema = z
  .object({
    PORT: intWithDefault(3000, 0, 65535),
    // One check, so a value that is no URL at all is one line, not also "not http(s)".
    PUBLIC_BASE_URL: optional(z.string().refine((u) => /^https?:\/\//.test(u) && absoluteUrl.safeParse(u).success, 'must be an absolute http(s) URL')),
    TRUST_PROXY: trustProxySetting,
    NODE_ENV: readOnly,
  })
  .superRefine((v, ctx) => {
    if (!isProduction(v.NODE_ENV)) return;
    if (v.PUBLIC_BASE_URL === undefined) {
      problem(ctx, 'PUBLIC_BASE_URL', 'required when NODE_ENV=production (the https:// URL Twilio calls)');
    } else if (/^http:\/\//.test(v.PUBLIC_BASE_URL)) {
      // Gather actions are built from it: over http Twilio would post the caller's card digits in clear text.
      problem(ctx, 'PUBLIC_BASE_URL', 'must be https:// when NODE_ENV=production (Twilio posts the keypad digits to it)');
    }
  }, EVEN_WITH_MALFORMED_VALUES)
  .transform(
    (v): HttpSettings =>
      Object.freeze({
        port: v.PORT,
        // Voice URLs are appended to it.
        publicBaseUrl: (v.PUBLIC_BASE_URL ?? `http://localhost:${v.PORT}`).replace(/\/+$/, ''),
        publicBaseUrlIsLocal: v.PUBLIC_BASE_URL === undefined,
        trustProxy: v.TRUST_PROXY,
      }),
  );

/** The settings once the server listens on `port`: a local public URL follows a port the system picked. */
export function listeningAt(http: HttpSettings, port: number): HttpSettings {
  if (http.port !== 0 || !http.publicBaseUrlIsLocal) return http;
  return Object.freeze({ ...http, port, publicBaseUrl: `http://127.0.0.1:${port}` });
}
