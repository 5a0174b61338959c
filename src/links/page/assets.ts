import { createHash } from 'node:crypto';
import { PAY_PAGE_CSS } from './styles';
import { PAY_PAGE_JS } from './clientScript';

/** Where the page's own assets are served. */
export const ASSET_PATHS = { css: '/pay/assets/pay.css', js: '/pay/assets/pay.js', icon: '/pay/assets/icon.svg' } as const;

/** A padlock, so browsers ask for no favicon outside `/pay`. */
const ICON =
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><rect x="2" y="7" width="12" height="8" rx="2" fill="#1f5fcc"/><path d="M5 7V5a3 3 0 0 1 6 0v2" fill="none" stroke="#1f5fcc" stroke-width="2"/></svg>';

/** The page's assets with their content types and strong ETags. */
export const PAY_PAGE_ASSETS: Record<string, { type: string; body: string; etag: string }> = {
  'pay.css': asset('text/css; charset=utf-8', PAY_PAGE_CSS),
  'pay.js': asset('text/javascript; charset=utf-8', PAY_PAGE_JS),
  'icon.svg': asset('image/svg+xml', ICON),
};

function asset(type: string, body: string) {
  return { type, body, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"` };
}
