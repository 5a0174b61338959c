import type { CaptureField } from '../../core/flows/schema';
import { ASSET_PATHS } from './assets';
import { escapeHtml as e } from '../../core/http/escapeHtml';
import type { PayPageModel } from './pageModel';
import { pageStrings, type PageStrings } from './strings';

/** The whole page around a body: our stylesheet and script only, nothing inline, nothing third-party. */
export function pageShell(lang: string, title: string, body: string, withScript: boolean): string {
  return [
    '<!doctype html>',
    `<html lang="${e(lang)}">`,
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<meta name="robots" content="noindex, nofollow">',
    `<title>${e(title)}</title>`,
    `<link rel="icon" href="${ASSET_PATHS.icon}" type="image/svg+xml">`,
    `<link rel="stylesheet" href="${ASSET_PATHS.css}">`,
    withScript ? `<script src="${ASSET_PATHS.js}" defer></script>` : '',
    '</head>',
    `<body><main class="card">${body}</main></body>`,
    '</html>',
  ].join('\n');
}

/** The payment page: the request, then the form, the processing note, the result or the refusal. */
export function renderPayPage(model: PayPageModel): string {
  const s = pageStrings(model.locale);
  const paid = model.kind === 'success';
  const authorized = model.success?.authorized === true;
  const save = model.saveCard;
  const eyebrow = save ? (paid ? s.save.savedFor : s.save.asks) : paid ? (authorized ? s.authorized : s.paid) : s.asks;
  const header = [
    `<p class="eyebrow" id="pay-request">${e(eyebrow.replace('{merchant}', model.merchantName))}</p>`,
    // Saving a card charges nothing: no amount is shown, so none can be mistaken for a charge.
    save ? (paid ? '' : `<p class="note" id="pay-nothing-charged">${e(s.save.nothingCharged)}</p>`) : `<p class="amount" id="pay-amount">${e(model.amount)}</p>`,
    model.description ? `<p class="description"><span class="label">${e(s.forWhat)}:</span> ${e(model.description)}</p>` : '',
  ].join('\n');
  const alert = model.alert ? `<div class="alert${model.kind === 'failed' ? ' alert-final' : ''}" role="alert" id="pay-alert">${e(model.alert)}</div>` : '';
  let body: string;
  switch (model.kind) {
    case 'success':
      body = successBody(model, s);
      break;
    case 'failed':
      body = `<h1>${e(save ? s.save.notSaved : s.notPaid)}</h1>${alert}`;
      break;
    case 'processing':
      body = `<h1>${e(save ? s.save.processing : s.processing)}</h1>${alert}${checkForm(model, s)}`;
      break;
    default:
      body = formBody(model, s, alert);
  }
  const title = save ? (paid ? s.save.savedTitle : s.save.title) : paid ? (authorized ? s.authorizedTitle : s.paidTitle) : s.title;
  return pageShell(model.locale, title, `${header}\n${body}`, model.kind === 'form');
}

function successBody(model: PayPageModel, s: PageStrings): string {
  const ok = model.success!;
  const rows: Array<[string, string]> = [
    ...(model.saveCard ? [] : [[s.amount, model.amount] as [string, string]]),
    [s.card, `${ok.brand} •••• ${ok.last4}`],
    [s.reference, ok.reference],
    [s.time, ok.time],
  ];
  const heading = model.saveCard ? s.save.heading : ok.authorized ? s.authorizedHeading : s.success;
  const keep = model.saveCard ? s.save.keepReference : s.keepReference;
  return [
    `<h1 class="success" id="pay-result">${e(heading)}</h1>`,
    '<dl class="receipt">',
    ...rows.map(([k, v]) => `<div><dt>${e(k)}</dt><dd${k === s.reference ? ' id="pay-reference"' : k === s.card ? ' id="pay-card"' : ''}>${e(v)}</dd></div>`),
    '</dl>',
    ok.authorized ? `<p class="note" id="pay-held">${e(s.authorizedHeld)}</p>` : '',
    `<p class="note" id="pay-receipt">${e(ok.receipt ? s.receiptSent : keep)}</p>`,
  ].join('\n');
}

function checkForm(model: PayPageModel, s: PageStrings): string {
  return [
    `<form method="post" action="${e(model.action)}">`,
    `<input type="hidden" name="csrf" value="${e(model.csrf)}">`,
    '<input type="hidden" name="check" value="1">',
    `<button type="submit">${e(s.checkResult)}</button>`,
    '</form>',
  ].join('\n');
}

function formBody(model: PayPageModel, s: PageStrings, alert: string): string {
  const anyError = Object.keys(model.fieldErrors).length > 0 || model.alert !== null;
  const messages = Object.entries(model.clientMessages)
    .map(([name, text]) => ` data-msg-${name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}="${e(text)}"`)
    .join('');
  return [
    alert,
    anyError ? `<p class="note" id="pay-reenter">${e(s.reenter)}</p>` : '',
    `<form method="post" action="${e(model.action)}" id="pay-form" novalidate autocomplete="on"${messages}>`,
    `<input type="hidden" name="csrf" value="${e(model.csrf)}">`,
    field(model, 'cardNumber', s.cardNumber, s.cardNumberHint, {
      autocomplete: 'cc-number',
      maxlength: '23',
      placeholder: '1234 1234 1234 1234',
      extra: `<span class="brand" id="cardNumber-brand" aria-live="polite" data-unknown="${e(s.brandUnknown)}"></span>`,
    }),
    '<div class="row">',
    field(model, 'expiry', s.expiry, s.expiryHint, { autocomplete: 'cc-exp', maxlength: '7', placeholder: 'MM/YY' }),
    field(model, 'securityCode', s.securityCode, s.securityCodeHint, { autocomplete: 'cc-csc', maxlength: '4', placeholder: '123' }),
    '</div>',
    model.postalCode
      ? field(model, 'postalCode', s.postalCode, s.postalCodeHint, {
          autocomplete: 'postal-code',
          // Room for a space or dash typed inside the code; the gateway drops them.
          maxlength: String(model.postalCode.maxLength + 2),
          placeholder: '12345'.padEnd(model.postalCode.maxLength, '0').slice(0, model.postalCode.maxLength),
        })
      : '',
    `<p class="check">${e(model.saveCard ? s.save.check : s.checkAmount)}</p>`,
    model.saveCard
      ? `<button type="submit" id="pay-submit" data-busy="${e(s.save.submitting)}">${e(s.save.submit)}</button>`
      : `<button type="submit" id="pay-submit" data-busy="${e(s.submitting)}">${e(s.submit)} · ${e(model.amount)}</button>`,
    '</form>',
    `<p class="note">${e(s.safety)}</p>`,
  ].join('\n');
}

function field(
  model: PayPageModel,
  name: CaptureField,
  label: string,
  hint: string,
  attrs: { autocomplete: string; maxlength: string; placeholder: string; extra?: string },
): string {
  const error = model.fieldErrors[name];
  return [
    `<div class="field${error ? ' invalid' : ''}">`,
    // The brand sits on the label's line, not over the input, where it would hide the typed number.
    `<div class="field-head"><label for="${name}">${e(label)}</label>${attrs.extra ?? ''}</div>`,
    `<input id="${name}" name="${name}" type="text" inputmode="numeric" autocomplete="${attrs.autocomplete}"`,
    `  maxlength="${attrs.maxlength}" placeholder="${e(attrs.placeholder)}" spellcheck="false" autocorrect="off" autocapitalize="off"`,
    `  aria-describedby="${name}-hint ${name}-error" aria-invalid="${error ? 'true' : 'false'}" required>`,
    `<p class="hint" id="${name}-hint">${e(hint)}</p>`,
    `<p class="error" id="${name}-error" aria-live="polite">${error ? e(error) : ''}</p>`,
    '</div>',
  ].join('\n');
}

/** The plain page for a link that cannot be used, a flood, or a stale form: it says no more than that. */
export function renderNoticePage(title: string, lines: string[]): string {
  return pageShell('en', title, `<h1>${e(title)}</h1>\n${lines.map((l) => `<p>${e(l)}</p>`).join('\n')}`, false);
}
