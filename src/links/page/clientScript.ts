/**
 * The payment page's script, served from our own origin (script-src 'self'). The page works
 * without it; with it, the card number is grouped as it is typed, the brand is shown, and the
 * mistakes it can see are explained next to the field before anything is sent.
 */
export const PAY_PAGE_JS = `(function () {
  'use strict';
  var form = document.getElementById('pay-form');
  if (!form) return;
  var number = document.getElementById('cardNumber');
  var expiry = document.getElementById('expiry');
  var code = document.getElementById('securityCode');
  var brandOut = document.getElementById('cardNumber-brand');
  var button = document.getElementById('pay-submit');
  var msg = function (name) { return form.getAttribute('data-msg-' + name) || ''; };

  var BRANDS = [
    { name: 'American Express', re: /^3[47]/, groups: [4, 6, 5], lengths: [15], code: 4 },
    { name: 'Visa', re: /^4/, groups: [4, 4, 4, 4, 3], lengths: [13, 16, 19], code: 3 },
    { name: 'Mastercard', re: /^(5[1-5]|222[1-9]|22[3-9]|2[3-6]|27[01]|2720)/, groups: [4, 4, 4, 4], lengths: [16], code: 3 },
    { name: 'Discover', re: /^(6011|64[4-9]|65)/, groups: [4, 4, 4, 4, 3], lengths: [16, 19], code: 3 },
    { name: 'Diners Club', re: /^(36|38|39|30[0-5])/, groups: [4, 6, 4], lengths: [14, 16, 19], code: 3 },
    { name: 'JCB', re: /^35(2[89]|[3-8])/, groups: [4, 4, 4, 4, 3], lengths: [16, 17, 18, 19], code: 3 },
    { name: 'UnionPay', re: /^62/, groups: [4, 4, 4, 4, 3], lengths: [14, 15, 16, 17, 18, 19], code: 3 }
  ];
  var digitsOf = function (v) { return v.replace(/\\D/g, ''); };
  var brandOf = function (d) {
    for (var i = 0; i < BRANDS.length; i += 1) if (BRANDS[i].re.test(d)) return BRANDS[i];
    return null;
  };
  var group = function (d, groups) {
    var out = [], at = 0;
    for (var i = 0; i < groups.length && at < d.length; i += 1) { out.push(d.slice(at, at + groups[i])); at += groups[i]; }
    if (at < d.length) out.push(d.slice(at));
    return out.join(' ');
  };
  var luhn = function (d) {
    var sum = 0, dbl = false;
    for (var i = d.length - 1; i >= 0; i -= 1) {
      var n = d.charCodeAt(i) - 48;
      if (dbl) { n *= 2; if (n > 9) n -= 9; }
      sum += n; dbl = !dbl;
    }
    return sum % 10 === 0;
  };
  var show = function (input, text) {
    var out = document.getElementById(input.id + '-error');
    out.textContent = text;
    input.setAttribute('aria-invalid', text ? 'true' : 'false');
    input.parentNode.classList.toggle('invalid', Boolean(text));
  };

  number.addEventListener('input', function () {
    var d = digitsOf(number.value).slice(0, 19);
    var b = brandOf(d);
    number.value = group(d, b ? b.groups : [4, 4, 4, 4, 3]);
    brandOut.textContent = b ? b.name : '';
    code.setAttribute('maxlength', b && b.code === 4 ? '4' : '3');
    if (number.getAttribute('aria-invalid') === 'true') show(number, '');
  });
  expiry.addEventListener('input', function (event) {
    var d = digitsOf(expiry.value).slice(0, 4);
    var deleting = event.inputType && event.inputType.indexOf('delete') === 0;
    expiry.value = d.length > 2 || (d.length === 2 && !deleting) ? d.slice(0, 2) + '/' + d.slice(2) : d;
    if (expiry.getAttribute('aria-invalid') === 'true') show(expiry, '');
  });
  code.addEventListener('input', function () {
    code.value = digitsOf(code.value).slice(0, 4);
    if (code.getAttribute('aria-invalid') === 'true') show(code, '');
  });

  var checkNumber = function () {
    var d = digitsOf(number.value);
    if (!d) return msg('card-number-missing');
    if (/[^0-9\\s-]/.test(number.value)) return msg('card-number-format');
    if (d.length < 12 || !luhn(d)) return msg('card-number-luhn');
    return '';
  };
  var checkExpiry = function () {
    var d = digitsOf(expiry.value);
    if (!d) return msg('expiry-missing');
    if (d.length !== 4 || /[^0-9\\s\\/-]/.test(expiry.value)) return msg('expiry-format');
    var month = Number(d.slice(0, 2)), year = 2000 + Number(d.slice(2));
    if (month < 1 || month > 12) return msg('expiry-month');
    var now = new Date();
    if (year < now.getFullYear() || (year === now.getFullYear() && month < now.getMonth() + 1)) return msg('expiry-expired');
    return '';
  };
  var checkCode = function () {
    var d = code.value;
    if (!d) return msg('security-code-missing');
    if (!/^[0-9]+$/.test(d)) return msg('security-code-format');
    var b = brandOf(digitsOf(number.value));
    var want = b ? b.code : (d.length === 4 ? 4 : 3);
    if (d.length !== want) return msg('security-code-length').replace('{length}', String(want));
    return '';
  };

  var sent = false;
  form.addEventListener('submit', function (event) {
    if (sent) { event.preventDefault(); return; }
    var checks = [[number, checkNumber()], [expiry, checkExpiry()], [code, checkCode()]];
    var first = null;
    for (var i = 0; i < checks.length; i += 1) {
      show(checks[i][0], checks[i][1]);
      if (checks[i][1] && !first) first = checks[i][0];
    }
    if (first) { event.preventDefault(); first.focus(); return; }
    // One submission per page: a double click must not send the card twice.
    sent = true;
    button.disabled = true;
    button.textContent = button.getAttribute('data-busy');
  });
})();
`;
