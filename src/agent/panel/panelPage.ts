import { escapeHtml } from '../../core/http/escapeHtml';
import { page } from './pageFrame';

export interface PanelRecordingEntry {
  id: string;
  finishedAt: Date;
  seconds: number;
}

/** A duration as the panel's call cards show it: m:ss, or h:mm:ss. */
function duration(totalSeconds: number): string {
  const seconds = Math.round(totalSeconds);
  const h = Math.floor(seconds / 3600);
  const m = Math.floor(seconds / 60) % 60;
  const s = String(seconds % 60).padStart(2, '0');
  return h ? `${h}:${String(m).padStart(2, '0')}:${s}` : `${m}:${s}`;
}

/** Supervisors' list of finished calls' recordings, newest first, each a download link. */
function recordingsSection(recordings: PanelRecordingEntry[]): string {
  const items = recordings
    .map((r) => {
      const when = r.finishedAt.toISOString().slice(0, 16).replace('T', ' ');
      return `<li><a href="/panel/recordings/${escapeHtml(r.id)}" download>Call ended ${escapeHtml(when)} UTC (${duration(r.seconds)})</a></li>`;
    })
    .join('\n');
  return `<section aria-labelledby="recordings-heading">
<h2 id="recordings-heading">Recordings</h2>
${recordings.length ? `<ol id="recordings">\n${items}\n</ol>` : '<p>No finished recordings.</p>'}
</section>`;
}

/**
 * Pay links for chat customers: the agent makes one, pastes it into the chat, and follows the payment
 * on a card per link. The fields are checked on the gateway as the payments API checks them. The form
 * names a POST so that, should the script not run, what was typed is never put into a URL (the panel's
 * script sends it with the CSRF token; without one the gateway refuses it).
 */
const chatSection = `<section aria-labelledby="chat-heading">
<h2 id="chat-heading">Chat payments</h2>
<form id="chat-link" class="chat-link" method="post" action="/panel/links">
<fieldset>
<legend>Create a pay link for a chat customer</legend>
<label><input type="checkbox" name="saveCard" value="1"> Save the card for later, charge nothing now</label>
<label>Amount <input name="amount" inputmode="decimal" required size="8"></label>
<label>Currency <input name="currency" value="USD" required size="4"></label>
<label>Description <input name="description" maxlength="200" size="20"></label>
<label>Customer's email <input name="email" type="email" maxlength="254" size="24" autocomplete="off"></label>
<button type="submit">Create pay link</button>
</fieldset>
<p class="error" role="alert" hidden></p>
</form>
<ol id="links" class="links"></ol>
</section>`;

/** The panel shell; the bridges and payments arrive over /panel/events and are drawn by panel.js. */
export function panelPage(input: { csrfToken: string; actor: string; recordings?: PanelRecordingEntry[] | null }): string {
  return page({
    title: 'Agent panel',
    csrfToken: input.csrfToken,
    script: true,
    body: `<header>
<h1>Agent panel</h1>
<p class="who">Signed in as <span>${escapeHtml(input.actor)}</span></p>
<form method="post" action="/panel/sign-out" id="sign-out"><input type="hidden" name="csrf" value="${escapeHtml(input.csrfToken)}"><button type="submit">Sign out</button></form>
</header>
<main>
<p id="connection" class="connection" role="status">Connecting…</p>
<section aria-labelledby="calls-heading">
<h2 id="calls-heading">Live calls</h2>
<p id="empty">No live calls.</p>
<ol id="bridges" class="bridges"></ol>
</section>
${chatSection}
${input.recordings ? recordingsSection(input.recordings) : ''}
</main>
<template id="bridge-template">
<li class="bridge">
<h3 class="bridge-title">Call from <span class="caller"></span></h3>
<dl class="facts">
<dt>Duration</dt><dd class="duration">0:00</dd>
<dt>Call</dt><dd class="bridge-state"></dd>
<dt>Agent</dt><dd class="agent"></dd>
<dt>Recording</dt><dd class="recording"></dd>
<dt>Payment</dt><dd class="payment-status">—</dd>
</dl>
<p class="error" role="alert" hidden></p>
<ul class="steps" aria-live="polite"></ul>
<form class="start-capture">
<fieldset>
<legend>Take a card payment</legend>
<label>Amount <input name="amount" inputmode="decimal" required pattern="[0-9]+(\\.[0-9]{1,3})?" size="8"></label>
<label>Currency <input name="currency" value="USD" required pattern="[A-Za-z]{3}" size="4"></label>
<label>Description <input name="description" maxlength="200" size="20"></label>
<button type="submit">Start card capture</button>
</fieldset>
</form>
<p class="typing" aria-live="polite" hidden></p>
<div class="actions guide" hidden>
<button type="button" data-action="askCardNumber">Ask for the card number</button>
<button type="button" data-action="askExpiry">Ask for the expiry</button>
<button type="button" data-action="askSecurityCode">Ask for the security code</button>
<button type="button" data-action="charge">Charge</button>
</div>
<div class="actions">
<button type="button" data-action="confirmed">Continue</button>
<button type="button" data-action="reenter">Re-enter card number</button>
<button type="button" data-action="retry">Try again</button>
<button type="button" data-action="cancel" class="danger">Cancel</button>
</div>
</li>
</template>
<template id="link-template">
<li class="link">
<h3 class="link-title"><span class="link-amount"></span> <span class="link-description"></span></h3>
<div class="link-url" hidden>
<label>Pay link <input class="pay-url" readonly size="48"></label>
<button type="button" class="copy">Copy</button>
<span class="copied" role="status"></span>
</div>
<p class="link-status" aria-live="polite"></p>
<ul class="steps"></ul>
</li>
</template>`,
  });
}
