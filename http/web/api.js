// The terminal API (docs/openapi.yaml) as a browser terminal uses it: the
// bearer token from session storage, an Idempotency-Key on every write, errors
// as ApiError with the API's code, the node being unreachable as its own code,
// money as integer minor units, and the /v1/events WebSocket with reconnects.

const TOKEN_KEY = 'posd.token';

export class ApiError extends Error {
  // code: the API's error code, or 'unreachable' when no answer came.
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

// What the cashier reads for an error code; the API's own message is shown beneath.
const PLAIN = {
  unreachable: 'The node is not answering. Nothing was saved. Check the network cable or Wi-Fi; the lane keeps trying.',
  unauthorized: 'This token is not known to the node.',
  supervisor_required: 'This needs a supervisor.',
  supervisor_token_invalid: 'That is not a supervisor\'s token.',
  unknown_code: 'No item has this code.',
  bad_check_digit: 'The barcode did not read correctly (check digit). Scan it again.',
  bad_barcode: 'The barcode cannot be read. Scan it again or key the SKU.',
  expired: 'The label\'s expiry date has passed.',
  weight_required: 'This item is sold by weight: enter the weight.',
  basket_has_tenders: 'Payment has started: lines can no longer change.',
  basket_not_open: 'This basket is not open at this lane.',
  basket_not_found: 'This basket is no longer on the node (it was completed, cancelled or expired, or another lane took it over): scan the items again.',
  over_tender: 'More than is due: card and voucher may not exceed the amount due.',
  card_number_refused: 'A full card number was typed: only the last four digits may be entered.',
  not_paid: 'The sale is not fully paid.',
  z_required: 'Yesterday is not closed: a supervisor must take its Z report before the first sale of today.',
  nothing_due: 'Nothing is due.',
  pin_wrong: 'Wrong PIN.',
  operator_locked: 'This operator is locked after too many wrong PINs.',
  operator_not_found: 'No operator has this id.',
  approver_not_supervisor: 'That operator is no supervisor or manager.',
  lane_locked: 'The lane is locked: its operator\'s PIN opens it.',
  operator_required: 'An operator must sign on first (Shift+F1).',
  discount_over_limit: 'That discount is above your limit: a supervisor must approve it.',
  reason_required: 'Choose a reason.',
  till_short: 'The till does not hold that much.',
  unknown_denomination: 'That is no note or coin of the store\'s.',
  empty_basket: 'The basket is empty.',
  sale_not_found: 'No sale has this receipt number.',
  sale_voided: 'That sale was voided.',
  sale_has_returns: 'That sale has returns: it cannot be voided.',
  day_closed: 'That sale belongs to a closed day.',
  exceeds_sold: 'More than was sold (or already returned).',
  line_not_found: 'No such line.',
  disk_full: 'The node\'s disk is full: sales are refused until space is freed. Call the manager.',
  storage_error: 'The node could not save. Nothing was saved. Call the manager.',
  request_in_progress: 'The node is still working on this; try again in a moment.',
};

export function plain(err) {
  if (!(err instanceof ApiError)) return String(err && err.message || err);
  return PLAIN[err.code] || err.message;
}

// A fresh Idempotency-Key (crypto.randomUUID needs a secure context; lanes on
// plain HTTP in the store LAN have none).
export function newKey() {
  const b = new Uint8Array(16);
  crypto.getRandomValues(b);
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}

export function savedToken() { return sessionStorage.getItem(TOKEN_KEY); }
export function saveToken(t) { sessionStorage.setItem(TOKEN_KEY, t); }
export function forgetToken() { sessionStorage.removeItem(TOKEN_KEY); }

export class Api {
  constructor(token, onReachable = () => {}) {
    this.token = token;
    this.onReachable = onReachable;  // called with true/false as answers come or fail
  }

  // method, path, JSON body (or null); opts.supervisor: a supervisor's token for
  // this one request; opts.key: the Idempotency-Key (a new one when omitted on a write).
  async call(method, path, body = null, opts = {}) {
    const headers = { Authorization: 'Bearer ' + this.token };
    if (body !== null) headers['Content-Type'] = 'application/json';
    if (method !== 'GET') headers['Idempotency-Key'] = opts.key || newKey();
    // A supervisor's token, or a supervisor's or manager's operator id and PIN.
    if (typeof opts.supervisor === 'string') headers['X-Supervisor-Token'] = opts.supervisor;
    else if (opts.supervisor) Object.assign(headers, { 'X-Approver-Id': opts.supervisor.id, 'X-Approver-Pin': opts.supervisor.pin });
    let res;
    try {
      res = await fetch(path, { method, headers, body: body === null ? undefined : JSON.stringify(body), cache: 'no-store' });
    } catch (e) {
      this.onReachable(false);
      throw new ApiError(0, 'unreachable', 'no answer from the node');
    }
    this.onReachable(true);
    const type = res.headers.get('content-type') || '';
    const data = type.startsWith('application/json') ? await res.json() : await res.text();
    if (!res.ok) {
      const e = data && data.error ? data.error : { code: 'http_' + res.status, message: res.statusText };
      throw new ApiError(res.status, e.code, e.message);
    }
    return data;
  }
  get(path) { return this.call('GET', path); }
  post(path, body = null, opts = {}) { return this.call('POST', path, body, opts); }
  patch(path, body, opts = {}) { return this.call('PATCH', path, body, opts); }
  put(path, body, opts = {}) { return this.call('PUT', path, body, opts); }
  del(path, opts = {}) { return this.call('DELETE', path, null, opts); }

  // Opens a WebSocket (/v1/events, or the path where() says at each
  // connection) and keeps it open: onEvent(object) per message,
  // onState(true/false) as it connects and drops. Returns a function that closes it.
  events(onEvent, onState, where = () => '/v1/events') {
    let ws = null;
    let closed = false;
    let delay = 500;
    // A subprotocol may hold only some characters: the token goes as
    // "b64." and its base64url (the server decodes it).
    const bytes = new TextEncoder().encode(this.token);
    const b64url = 'b64.' + btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
    const open = () => {
      const url = (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + where();
      try {
        ws = new WebSocket(url, ['posd.bearer', b64url]);
      } catch (e) {
        onState(false);
        if (!closed) setTimeout(open, delay);
        delay = Math.min(delay * 2, 10000);
        return;
      }
      ws.onopen = () => { delay = 500; onState(true); };
      ws.onmessage = (m) => { try { onEvent(JSON.parse(m.data)); } catch (e) { /* not JSON: ignored */ } };
      ws.onclose = () => {
        onState(false);
        if (!closed) setTimeout(open, delay);
        delay = Math.min(delay * 2, 10000);
      };
    };
    open();
    return () => { closed = true; if (ws) ws.close(); };
  }
}

// Money: integer minor units in, text out, and back; never floating point.
export function minorDigits(currency) {
  try {
    return new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits;
  } catch (e) {
    return 2;
  }
}

export function money(minor, digits = 2) {
  const neg = minor < 0;
  const s = String(Math.abs(minor)).padStart(digits + 1, '0');
  const whole = digits ? s.slice(0, s.length - digits) : s;
  const text = digits ? whole + '.' + s.slice(s.length - digits) : whole;
  return (neg ? '-' : '') + text;
}

// "20", "20.5", "20,50" → minor units; null when it is not an amount.
export function parseMoney(text, digits = 2) {
  const m = /^\s*(\d{1,9})(?:[.,](\d*))?\s*$/.exec(text);
  if (!m) return null;
  const frac = m[2] || '';
  if (frac.length > digits) return null;
  return Number(m[1]) * 10 ** digits + Number(frac.padEnd(digits, '0') || '0');
}

// Grams as "1.250 kg" (under a kilo: "850 g").
export function weight(g) {
  return g >= 1000 ? money(g, 3) + ' kg' : g + ' g';
}

export function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'class') e.className = v;
    else if (k === 'text') e.textContent = v;
    else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else if (v !== false && v !== null && v !== undefined) e.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children) if (c !== null && c !== undefined) e.append(c);
  return e;
}
