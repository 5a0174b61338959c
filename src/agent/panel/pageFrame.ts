import { escapeHtml } from '../../core/http/escapeHtml';

/** The page frame every panel page shares: our stylesheet, our script when asked, nothing third-party. */
export function page(input: { title: string; body: string; csrfToken?: string; script?: boolean }): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(input.title)}</title>
<link rel="stylesheet" href="/panel/panel.css">
${input.csrfToken ? `<meta name="csrf-token" content="${escapeHtml(input.csrfToken)}">` : ''}
${input.script ? '<script src="/panel/panel.js" defer></script>' : ''}
</head>
<body>
${input.body}
</body>
</html>
`;
}
