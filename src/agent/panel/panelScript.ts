/**
 * The panel's only script: follows /panel/events and posts the agent's actions with the session's
 * CSRF token. It writes text with textContent only, so nothing an event carries can become markup.
 */
export const PANEL_JS = `'use strict';
(function () {
  var csrf = document.querySelector('meta[name="csrf-token"]').getAttribute('content');
  var list = document.getElementById('bridges');
  var empty = document.getElementById('empty');
  var connection = document.getElementById('connection');
  var template = document.getElementById('bridge-template');
  var bridges = {};
  var payments = {};
  var cards = {};
  // The caller's typing progress per payment: a key count, never a key.
  var typing = {};
  var FIELD_WORDS = { cardNumber: 'Card number', expiry: 'Expiry date', securityCode: 'Security code' };
  var GUIDE = ['askCardNumber', 'askExpiry', 'askSecurityCode', 'charge'];
  var me = document.querySelector('.who span').textContent;
  var STATE_WORDS = { dialing: 'Dialling the agent', connected: 'Connected', securing: 'Starting the card capture', capturing: 'Caller entering card details', dropped: 'Call dropped', ended: 'Ended' };
  // How far this browser's clock is ahead of the gateway's, per call: durations tick from the gateway's time.
  var skew = {};

  function post(path, body) {
    return fetch(path, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'content-type': 'application/json', 'x-csrf-token': csrf },
      body: JSON.stringify(body || {})
    }).then(function (res) {
      if (res.status === 401) { location.assign('/panel'); return null; }
      return res.json().catch(function () { return null; });
    });
  }

  function cardFor(id) {
    if (cards[id]) return cards[id];
    var node = template.content.firstElementChild.cloneNode(true);
    node.dataset.bridge = id;
    node.querySelector('.start-capture').addEventListener('submit', function (event) {
      event.preventDefault();
      var form = event.target;
      var button = form.querySelector('button');
      button.disabled = true;
      post('/panel/bridges/' + id + '/capture', {
        amount: form.amount.value, currency: form.currency.value.toUpperCase(), description: form.description.value
      }).then(function (answer) { button.disabled = false; showResult(id, answer); });
    });
    node.querySelectorAll('[data-action]').forEach(function (button) {
      button.addEventListener('click', function () {
        button.disabled = true;
        post('/panel/bridges/' + id + '/actions/' + button.dataset.action).then(function (answer) { button.disabled = false; showResult(id, answer); });
      });
    });
    cards[id] = node;
    list.appendChild(node);
    return node;
  }

  function showResult(id, answer) {
    var error = cardFor(id).querySelector('.error');
    if (answer && answer.ok === false) { error.textContent = answer.message; error.hidden = false; }
    else { error.hidden = true; }
  }

  function draw(id) {
    var bridge = bridges[id];
    var node = cardFor(id);
    if (bridge.state === 'ended') { node.remove(); delete cards[id]; delete bridges[id]; empty.hidden = list.children.length > 0; return; }
    empty.hidden = true;
    var payment = bridge.paymentId ? payments[bridge.paymentId] : null;
    node.querySelector('.caller').textContent = bridge.caller;
    tick(id);
    var callWords = STATE_WORDS[bridge.state] || bridge.state;
    if (bridge.state === 'capturing' && payment && payment.status === 'succeeded') callWords = 'Payment approved; the caller is hearing the reference';
    node.querySelector('.bridge-state').textContent = callWords + (bridge.agentOnHold ? ' (you are on hold)' : '');
    node.querySelector('.agent').textContent = !bridge.agent ? 'Nobody yet' : bridge.agent === me ? 'You (' + me + ')' : bridge.agent;
    node.querySelector('.recording').textContent = bridge.recording === 'off' ? 'Not recorded' : bridge.recording === 'paused' ? 'Paused' : 'Recording';
    node.querySelector('.payment-status').textContent = payment ? payment.summary : '—';
    var steps = node.querySelector('.steps');
    steps.textContent = '';
    (payment ? payment.lines : []).forEach(function (line) {
      var li = document.createElement('li');
      li.textContent = line;
      steps.appendChild(li);
    });
    if (bridge.error) { showResult(id, { ok: false, message: bridge.error }); }
    var capturing = bridge.state === 'capturing';
    var may = payment && capturing ? payment.agentMay : null;
    node.querySelector('.start-capture').hidden = bridge.state !== 'connected';
    ['confirmed', 'reenter', 'retry'].forEach(function (action) {
      node.querySelector('[data-action="' + action + '"]').hidden = !(may && may[action]);
    });
    // A relayed call's capture: the agent asks for each field and charges, each button open per the capture.
    var guided = !!(may && payment.guided);
    node.querySelector('.guide').hidden = !guided;
    GUIDE.forEach(function (action) {
      node.querySelector('[data-action="' + action + '"]').disabled = !(guided && payment.guideMay[action]);
    });
    var typed = payment && typing[payment.paymentId];
    var typingLine = node.querySelector('.typing');
    typingLine.hidden = !(typed && capturing && payment.asking === typed.field);
    if (!typingLine.hidden) typingLine.textContent = FIELD_WORDS[typed.field] + ': typing… ' + typed.keys + (typed.keys === 1 ? ' key' : ' keys');
    // Before the capture's first event the agent may already call it off.
    node.querySelector('[data-action="cancel"]').hidden = !capturing || (may !== null && !may.cancel);
  }

  function tick(id) {
    var bridge = bridges[id];
    if (!bridge || !cards[id]) return;
    var seconds = Math.max(0, Math.floor((Date.now() - skew[id] - Date.parse(bridge.since)) / 1000));
    var h = Math.floor(seconds / 3600), m = Math.floor(seconds / 60) % 60, s = seconds % 60;
    var text = (h ? h + ':' + (m < 10 ? '0' : '') : '') + m + ':' + (s < 10 ? '0' : '') + s;
    var cell = cards[id].querySelector('.duration');
    if (cell.textContent !== text) cell.textContent = text;
  }
  setInterval(function () { Object.keys(bridges).forEach(tick); }, 1000);

  function onBridge(event) {
    if (!(event.bridgeId in skew)) skew[event.bridgeId] = Date.now() - Date.parse(event.at);
    bridges[event.bridgeId] = event;
    draw(event.bridgeId);
  }
  function onPayment(event) {
    payments[event.paymentId] = event;
    // A committed change ends the typing it follows: the field was handed over, or asked afresh.
    delete typing[event.paymentId];
    Object.keys(bridges).forEach(function (id) { if (bridges[id].paymentId === event.paymentId) draw(id); });
  }

  var source = new EventSource('/panel/events');
  source.addEventListener('open', function () { connection.textContent = 'Live'; });
  source.addEventListener('error', function () { connection.textContent = 'Reconnecting…'; });
  source.addEventListener('snapshot', function (message) {
    var snapshot = JSON.parse(message.data);
    snapshot.payments.forEach(function (p) { payments[p.paymentId] = p; });
    snapshot.bridges.forEach(onBridge);
    empty.hidden = list.children.length > 0;
  });
  source.addEventListener('bridge', function (message) { onBridge(JSON.parse(message.data)); });
  source.addEventListener('payment', function (message) { onPayment(JSON.parse(message.data)); });
  source.addEventListener('typing', function (message) {
    var event = JSON.parse(message.data);
    typing[event.paymentId] = event;
    if (bridges[event.bridgeId]) draw(event.bridgeId);
  });
  // A call another agent took: it is theirs now.
  source.addEventListener('gone', function (message) {
    var id = JSON.parse(message.data).bridgeId;
    if (cards[id]) { cards[id].remove(); delete cards[id]; }
    delete bridges[id];
    empty.hidden = list.children.length > 0;
  });
  // Chat payments: the agent makes a pay link, copies it into the chat, and follows the payment here.
  var chatForm = document.getElementById('chat-link');
  var linkList = document.getElementById('links');
  var linkTemplate = document.getElementById('link-template');
  var links = {};
  var linkCards = {};

  function linkCardFor(id) {
    if (linkCards[id]) return linkCards[id];
    var node = linkTemplate.content.firstElementChild.cloneNode(true);
    node.dataset.payment = id;
    var input = node.querySelector('.pay-url');
    var copied = node.querySelector('.copied');
    node.querySelector('.copy').addEventListener('click', function () {
      var fallback = function () { input.focus(); input.select(); copied.textContent = 'Press Ctrl+C (⌘C) to copy'; };
      if (!navigator.clipboard || !navigator.clipboard.writeText) { fallback(); return; }
      navigator.clipboard.writeText(input.value).then(function () { copied.textContent = 'Copied'; }, fallback);
    });
    linkCards[id] = node;
    linkList.insertBefore(node, linkList.firstChild);
    return node;
  }

  function onLink(event) {
    // Events may overtake the creation's answer: an older view never replaces a newer one.
    var known = links[event.paymentId];
    if (known && known.at > event.at) return;
    links[event.paymentId] = event;
    var node = linkCardFor(event.paymentId);
    node.querySelector('.link-amount').textContent = event.intent === 'save_card' ? 'Card to save' : event.amount + ' ' + event.currency;
    node.querySelector('.link-description').textContent = event.description ? '— ' + event.description : '';
    node.querySelector('.link-status').textContent = event.summary;
    node.classList.toggle('final', event.final);
    node.classList.toggle('failed', event.status === 'failed' || event.status === 'expired' || event.status === 'canceled');
    var steps = node.querySelector('.steps');
    steps.textContent = '';
    event.lines.forEach(function (line) {
      var li = document.createElement('li');
      li.textContent = line;
      steps.appendChild(li);
    });
  }

  // A link that saves the card takes no amount: the field is set aside while the box is ticked.
  chatForm.saveCard.addEventListener('change', function () {
    chatForm.amount.disabled = chatForm.saveCard.checked;
    chatForm.amount.required = !chatForm.saveCard.checked;
    chatForm.currency.disabled = chatForm.saveCard.checked;
  });

  chatForm.addEventListener('submit', function (event) {
    event.preventDefault();
    var button = chatForm.querySelector('button[type="submit"]');
    var error = chatForm.querySelector('.error');
    button.disabled = true;
    var fields = chatForm.saveCard.checked
      ? { intent: 'save_card', description: chatForm.description.value, email: chatForm.email.value.trim() }
      : { amount: chatForm.amount.value.trim(), currency: chatForm.currency.value.trim().toUpperCase(), description: chatForm.description.value, email: chatForm.email.value.trim() };
    post('/panel/links', fields).then(function (answer) {
      button.disabled = false;
      if (!answer || answer.ok !== true) {
        error.textContent = answer && answer.message ? answer.message : 'The link could not be made. Try again.';
        error.hidden = false;
        return;
      }
      error.hidden = true;
      chatForm.amount.value = '';
      chatForm.description.value = '';
      chatForm.email.value = '';
      var node = linkCardFor(answer.paymentId);
      node.querySelector('.pay-url').value = answer.payUrl;
      node.querySelector('.link-url').hidden = false;
      onLink(answer.link);
    }, function () {
      button.disabled = false;
      error.textContent = 'The gateway could not be reached. Try again.';
      error.hidden = false;
    });
  });
  source.addEventListener('link', function (message) { onLink(JSON.parse(message.data)); });
  source.addEventListener('signed-out', function () { source.close(); location.assign('/panel'); });
})();
`;
