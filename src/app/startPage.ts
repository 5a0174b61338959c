import { escapeHtml } from '../core/http/escapeHtml';

export interface StartPageInput {
  publicBaseUrl: string;
  /** The simulator command for this gateway, as the start banner prints it. */
  simulateCommand: string;
}

/**
 * The development start page: where the panel, the API description and the simulator are. Plain
 * HTML, no script and no inline style, so helmet's Content-Security-Policy holds as it is. It
 * never shows the API key: that is printed once, in the terminal that started the gateway.
 */
export function renderStartPage(input: StartPageInput): string {
  const base = escapeHtml(input.publicBaseUrl);
  const link = (path: string, text: string) => `<a href="${base}${path}">${escapeHtml(text)}</a>`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Card capture gateway</title>
</head>
<body>
<main>
<h1>Card capture gateway</h1>
<p>Running in development at <code>${base}</code>.</p>
<ul>
<li>${link('/panel', 'Agent panel')}: agents sign in with their own key (the terminal that started the gateway shows the first agent's key; add more with <code>npm run agents -- add NAME</code>).</li>
<li>${link('/api/openapi.json', 'OpenAPI document')} of the payments API.</li>
<li>${link('/readyz', 'Readiness')} and ${link('/healthz', 'liveness')}.</li>
</ul>
<h2>API key</h2>
<p>Without <code>API_KEY</code> the gateway generated one for this run and printed it, with the
<code>export API_KEY=…</code> line to copy, in the terminal where it started. Send it as
<code>Authorization: Bearer $API_KEY</code>.</p>
<h2>Try a call</h2>
<p>From another terminal, with <code>API_KEY</code> exported:</p>
<pre><code>${escapeHtml(input.simulateCommand)}</code></pre>
<p>Or create a payment:</p>
<pre><code>curl -s -X POST ${base}/api/payments -H "Authorization: Bearer $API_KEY" \\
  -H 'Content-Type: application/json' -d '{"amount":"12.34","currency":"USD"}'</code></pre>
</main>
</body>
</html>
`;
}
