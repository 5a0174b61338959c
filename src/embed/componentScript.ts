/**
 * `<card-capture-status payment-id="pay_…" token="cst_…" gateway="https://…">`: one payment's masked live
 * status for a merchant's own agent desktop. No dependencies, no framework: a custom element with a
 * shadow root, built with createElement and textContent only (nothing a status carries can become
 * markup, and a host page's Trusted Types or strict CSP has nothing to object to). It follows
 * `/embed/payments/{id}/events` with fetch, so the token travels in the Authorization header, never in
 * a URL; it reconnects with backoff, and stops once the payment is final or the token is refused.
 */
export const COMPONENT_JS = `(function () {
  'use strict';
  if (!window.customElements || customElements.get('card-capture-status')) return;
  // The gateway that served this script, for elements that do not name one.
  var SCRIPT_ORIGIN = (function () {
    try { return new URL(document.currentScript.src).origin; } catch (e) { return null; }
  })();
  var STATUS_WORDS = {
    pending: 'Waiting for the caller', capturing: 'Card details being entered', processing: 'Processing\\u2026',
    authorized: 'Authorised (to be captured)', succeeded: 'Success', failed: 'Failed', canceled: 'Canceled', expired: 'Expired'
  };
  var FIELDS = [['cardNumber', 'Card number'], ['expiry', 'Expiry date'], ['securityCode', 'Security code'], ['postalCode', 'Postal code']];
  var CSS = [
    ':host { display: block; font: 14px/1.4 system-ui, sans-serif; color: #1b1f24; }',
    '.box { border: 1px solid #d0d7de; border-radius: 8px; padding: 12px 14px; background: #fff; }',
    '.head { display: flex; justify-content: space-between; font-weight: 600; }',
    '.status { font-size: 16px; font-weight: 600; margin: 6px 0; }',
    ':host([data-status="succeeded"]) .status { color: #1a7f37; }',
    ':host([data-status="failed"]) .status { color: #cf222e; }',
    ':host([data-status="canceled"]) .status, :host([data-status="expired"]) .status { color: #6e7781; }',
    'ul { list-style: none; margin: 6px 0; padding: 0; }',
    'li { display: flex; justify-content: space-between; gap: 12px; }',
    'li[data-state="valid"] .state { color: #1a7f37; }',
    'li[data-state="invalid"] .state { color: #cf222e; }',
    'li[data-collecting] .name { font-weight: 600; }',
    '.note { color: #6e7781; font-size: 12px; }',
    '.note:empty, .result:empty, .card:empty { display: none; }'
  ].join('\\n');

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text) node.textContent = text;
    return node;
  }

  class CardCaptureStatus extends HTMLElement {
    static get observedAttributes() { return ['payment-id', 'token', 'gateway']; }

    constructor() {
      super();
      var root = this.attachShadow({ mode: 'open' });
      if ('adoptedStyleSheets' in root && typeof CSSStyleSheet === 'function' && CSSStyleSheet.prototype.replaceSync) {
        var sheet = new CSSStyleSheet();
        sheet.replaceSync(CSS);
        root.adoptedStyleSheets = [sheet];
      } else {
        root.appendChild(el('style', null, CSS));
      }
      var box = el('div', 'box');
      box.setAttribute('part', 'box');
      var head = el('div', 'head');
      head.appendChild(el('span', 'title', 'Card payment'));
      this._amount = head.appendChild(el('span', 'amount'));
      box.appendChild(head);
      this._status = box.appendChild(el('div', 'status', 'Connecting\\u2026'));
      this._status.setAttribute('role', 'status');
      this._status.setAttribute('aria-live', 'polite');
      this._card = box.appendChild(el('div', 'card'));
      var list = box.appendChild(el('ul', 'fields'));
      this._fields = {};
      for (var i = 0; i < FIELDS.length; i++) {
        var item = el('li');
        item.setAttribute('data-field', FIELDS[i][0]);
        item.appendChild(el('span', 'name', FIELDS[i][1]));
        item.appendChild(el('span', 'state', '\\u2014'));
        item.hidden = FIELDS[i][0] === 'postalCode';
        this._fields[FIELDS[i][0]] = list.appendChild(item);
      }
      this._result = box.appendChild(el('div', 'result'));
      this._note = box.appendChild(el('div', 'note'));
      root.appendChild(box);
      this._abort = null;
      this._retry = null;
      this._failures = 0;
    }

    connectedCallback() { this._queue(); }
    disconnectedCallback() { this._stop(); }
    attributeChangedCallback() { this._queue(); }

    /** One connection for attributes set together (a parsed tag sets them one by one). */
    _queue() {
      var self = this;
      if (this._queued) return;
      this._queued = true;
      Promise.resolve().then(function () {
        self._queued = false;
        if (self.isConnected) self._connect();
      });
    }

    /** The status route of the named payment on the named gateway, or null when something is missing. */
    _url() {
      var id = this.getAttribute('payment-id') || '';
      var base = this.getAttribute('gateway') || SCRIPT_ORIGIN;
      if (!/^pay_[a-z0-9]{10,40}$/.test(id) || !this.getAttribute('token') || !base) return null;
      try {
        var origin = new URL(base).origin;
        if (!/^https?:/.test(origin)) return null;
        return origin + '/embed/payments/' + id + '/events';
      } catch (e) { return null; }
    }

    _stop() {
      if (this._abort) this._abort.abort();
      this._abort = null;
      if (this._retry) clearTimeout(this._retry);
      this._retry = null;
    }

    /** Stops for good, saying why (a final payment, a refused or expired token). */
    _finish(note) {
      this._stop();
      this._done = true;
      this._note.textContent = note || '';
    }

    _connect() {
      this._stop();
      this._done = false;
      var url = this._url();
      if (!url) {
        this._finish('Set payment-id, token and gateway to show a payment.');
        return;
      }
      var self = this;
      var abort = new AbortController();
      this._abort = abort;
      fetch(url, {
        headers: { Authorization: 'Bearer ' + this.getAttribute('token'), Accept: 'text/event-stream' },
        signal: abort.signal,
        cache: 'no-store',
        credentials: 'omit',
        referrerPolicy: 'no-referrer'
      }).then(function (res) {
        if (res.status === 401) return self._finish('This status link has expired or is not valid.');
        if (res.status === 403) return self._finish('This status link is for another payment.');
        if (!res.ok || !res.body) throw new Error('HTTP ' + res.status);
        return self._read(res.body.getReader(), abort);
      }).then(function () {
        if (!self._done && self._abort === abort) self._later();
      }, function () {
        if (!abort.signal.aborted && !self._done) self._later();
      });
    }

    /** Server-sent events off the response body: blocks separated by a blank line, 'event:' and 'data:' lines. */
    _read(reader, abort) {
      var self = this;
      var decoder = new TextDecoder();
      var buffer = '';
      function pump() {
        return reader.read().then(function (chunk) {
          if (chunk.done || abort.signal.aborted) return;
          buffer += decoder.decode(chunk.value, { stream: true });
          var blocks = buffer.split(/\\r?\\n\\r?\\n/);
          buffer = blocks.pop();
          for (var i = 0; i < blocks.length; i++) self._event(blocks[i]);
          if (!self._done) return pump();
        });
      }
      return pump();
    }

    _event(block) {
      var name = 'message';
      var data = '';
      block.split(/\\r?\\n/).forEach(function (line) {
        if (line.indexOf('event:') === 0) name = line.slice(6).trim();
        else if (line.indexOf('data:') === 0) data += line.slice(5).trim();
      });
      if (!data) return;
      var body;
      try { body = JSON.parse(data); } catch (e) { return; }
      if (name === 'status') {
        this._failures = 0;
        this._note.textContent = '';
        this._render(body);
        if (body.final) this._finish('');
      } else if (name === 'expired') {
        this._finish('This status link has expired.');
      } else if (name === 'gone') {
        this._finish('This payment is no longer available.');
      }
    }

    /** Tries again after a dropped connection, waiting longer each time (1 s up to 30 s). */
    _later() {
      var self = this;
      this._failures += 1;
      this._note.textContent = 'Reconnecting\\u2026';
      var wait = Math.min(30000, 1000 * Math.pow(2, this._failures - 1));
      this._retry = setTimeout(function () { self._connect(); }, wait);
    }

    _render(view) {
      this.setAttribute('data-status', view.status);
      this._amount.textContent = view.amount + ' ' + view.currency;
      this._status.textContent = STATUS_WORDS[view.status] || view.status;
      this._card.textContent = view.card ? view.card.display : '';
      for (var i = 0; i < FIELDS.length; i++) {
        var field = FIELDS[i][0];
        var item = this._fields[field];
        var state = view.fields[field];
        // The postal code's line shows only where the flow asks for it.
        item.hidden = state === undefined;
        var collecting = view.collecting === field;
        item.setAttribute('data-state', state);
        if (collecting) item.setAttribute('data-collecting', ''); else item.removeAttribute('data-collecting');
        item.lastChild.textContent =
          state === 'valid' ? '\\u2713 valid' :
          state === 'invalid' ? '\\u2717 invalid, asked again' :
          collecting ? 'being entered\\u2026' : '\\u2014';
      }
      this._result.textContent =
        (view.status === 'succeeded' || view.status === 'authorized') && view.reference ? 'Reference ' + view.reference :
        view.status === 'failed' && view.failure ? view.failure.reason : '';
      this.dispatchEvent(new CustomEvent('card-capture-status', { detail: view, bubbles: true, composed: true }));
    }
  }

  customElements.define('card-capture-status', CardCaptureStatus);
})();
`;
