// The browser lane: sign in with the terminal's token, one always-focused scan
// field (a keyboard-wedge scanner types into it, Enter adds the line), the
// basket as the node prices it, and the lane's actions on function keys
// (lane_actions.js). Everything goes through the public API (api.js); scans
// from the node's own scanner drivers arrive on /v1/events into the same basket.

import { Api, ApiError, plain, saveToken, minorDigits, money, weight, el } from './api.js';
import { signInScreen, signOut } from './signin.js';
import { dialogOpen, ask, focusHomeAfterDialogs } from './ui.js';
import { actions } from './lane_actions.js';

const $ = (id) => document.getElementById(id);

class Lane {
  constructor() {
    this.api = null;
    this.me = null;          // /v1/status of this terminal
    this.digits = 2;
    this.basket = null;      // the open basket, as the node last answered
    this.selected = -1;      // index of the selected line
    this.lastReceipt = null;
    this.queue = Promise.resolve();  // scans and actions run one at a time, in order
    this.reachable = true;
    this.stopEvents = null;
  }

  // --- signing in --------------------------------------------------------
  async signIn(token) {
    const api = new Api(token, (ok) => this.setReachable(ok));
    const me = await api.get('/v1/status');
    saveToken(token);
    this.api = api;
    this.me = me;
    this.digits = minorDigits(me.currency);
    this.reasons = (await api.get('/v1/reason-codes')).reason_codes;
    this.where();
    $('lane').hidden = false;
    $('node').textContent = 'node: online';
    const mine = (await api.get('/v1/baskets')).baskets.filter((b) => b.terminal === me.terminal && b.state === 'open');
    this.show(mine.length ? mine[mine.length - 1] : null);
    let connects = 0;
    this.stopEvents = api.events((e) => this.onEvent(e), (up) => {
      if (!up) return;
      this.setReachable(true);
      if (connects++ > 0) this.resync();  // events may have been missed while the stream was down
    });
    this.focusScan();
  }

  signOut() {
    if (this.stopEvents) this.stopEvents();
    signOut();
  }

  // The header: store, lane, the role it acts in (the operator's when one is signed on), and the day.
  where() {
    const me = this.me;
    const who = me.operator ? `${me.operator}, ${me.role}` : me.role;
    $('where').textContent = `${me.store_id} · ${me.terminal} (${who}) · ${me.business_day}`;
  }

  // After an operator signs on, off or takes over: who the lane is now.
  async refreshMe() {
    this.me = await this.api.get('/v1/status');
    this.where();
  }

  // --- the node's reachability --------------------------------------------
  setReachable(ok) {
    if (ok === this.reachable) return;
    this.reachable = ok;
    const node = $('node');
    node.textContent = ok ? 'node: online' : 'node: UNREACHABLE';
    node.classList.toggle('down', !ok);
    if (ok) {
      if (this.bannerCode === 'unreachable') this.clearBanner();
      this.resync();
    } else {
      this.error(new ApiError(0, 'unreachable', 'no answer from the node'));
      this.probe();
    }
  }

  // While unreachable, ask /healthz every 3 s so the lane knows when it is back.
  probe() {
    setTimeout(async () => {
      if (this.reachable) return;
      try {
        const r = await fetch('/healthz', { cache: 'no-store' });
        if (r.ok) return this.setReachable(true);
      } catch (e) { /* still down */ }
      this.probe();
    }, 3000);
  }

  // --- messages -------------------------------------------------------------
  error(err, prefix = '') {
    const b = $('banner');
    b.hidden = false;
    b.className = 'banner error';
    b.textContent = '';
    b.append(el('strong', { text: prefix + plain(err) }));
    if (err instanceof ApiError && err.code !== 'unreachable' && plain(err) !== err.message) {
      b.append(el('span', { class: 'detail', text: ' (' + err.code + ': ' + err.message + ')' }));
    }
    this.bannerCode = err instanceof ApiError ? err.code : 'error';
  }

  info(text) {
    const b = $('banner');
    b.hidden = false;
    b.className = 'banner info';
    b.textContent = text;
    this.bannerCode = 'info';
  }

  clearBanner() {
    $('banner').hidden = true;
    this.bannerCode = null;
  }

  // --- the basket -------------------------------------------------------------
  money(m) { return money(m, this.digits); }

  show(basket) {
    // Answers and events can cross: an older state of this basket never replaces a newer one.
    if (basket && this.basket && basket.id === this.basket.id && basket.version < this.basket.version) return;
    this.basket = basket;
    const lines = basket ? basket.lines : [];
    if (this.selected >= lines.length) this.selected = lines.length - 1;
    if (this.selected < 0 && lines.length) this.selected = lines.length - 1;
    const body = $('lines').tBodies[0];
    body.textContent = '';
    lines.forEach((l, i) => {
      const qty = l.unit === 'kg' ? weight(l.weight_g) : String(l.qty);
      const price = this.money(l.unit_price) + (l.unit === 'kg' ? '/kg' : '');
      const name = el('td', { text: l.name });
      if (l.price_override) name.append(el('span', { class: 'tag', text: 'price override by ' + l.price_override.approved_by }));
      if (l.manual_discount) name.append(el('span', { class: 'tag manual', text: `discount -${this.money(l.manual_discount.off)}${l.manual_discount.reason ? ' ' + l.manual_discount.reason : ''}` }));
      for (const p of l.promotions || []) name.append(el('span', { class: 'tag promo', text: p }));
      if (l.age_restricted) name.append(el('span', { class: 'tag age', text: 'check age' }));
      const row = el('tr', { class: i === this.selected ? 'selected' : '', 'data-line': l.line, onclick: () => { this.selected = i; this.show(this.basket); } },
        el('td', { text: String(l.line) }), name, el('td', { class: 'num', text: qty }), el('td', { class: 'num', text: price }),
        el('td', { class: 'num', text: l.discount ? '-' + this.money(l.discount) : '' }), el('td', { class: 'num', text: this.money(l.amount) }));
      body.append(row);
    });
    const sel = body.querySelector('tr.selected');
    if (sel) sel.scrollIntoView({ block: 'nearest' });
    $('empty').hidden = lines.length > 0;
    const sums = $('sums');
    sums.textContent = '';
    const row = (k, v, cls = '') => sums.append(el('dt', { class: cls, text: k }), el('dd', { class: cls, text: v }));
    if (basket) {
      row('Subtotal', this.money(basket.subtotal));
      if (basket.discount) row('Discount', '-' + this.money(basket.discount), 'discount');
      if (basket.manual_discount) row('Basket discount', '-' + this.money(basket.manual_discount.off), 'discount');
      if (basket.returned) row(`Brought back (receipt ${basket.returned.receipt_no})`, '-' + this.money(basket.returned.credit), 'returned');
      if (basket.refund_due) row('To give back', this.money(basket.refund_due), 'returned');
      for (const t of basket.tax) row(`${basket.prices_include_tax ? 'incl. ' : ''}tax ${t.class} ${money(t.rate_bp, 2)}%`, this.money(t.amount), 'tax');
      if (basket.rounding) row('Cash rounding', this.money(basket.rounding));
    }
    $('total-amount').textContent = this.money(basket ? basket.total : 0) + ' ' + (this.me ? this.me.currency : '');
    $('due-amount').textContent = this.money(basket ? basket.due : 0);
    $('due').classList.toggle('paying', !!(basket && basket.tenders.length));
    const tenders = $('tenders');
    tenders.textContent = '';
    for (const t of basket ? basket.tenders : []) {
      // What the tender carries, whatever its type: "card ************4242 ref AUTH-1".
      const what = [t.type, t.masked_pan, t.approval_ref && `ref ${t.approval_ref}`, t.code && `code ${t.code}`]
        .filter(Boolean).join(' ');
      tenders.append(el('li', { text: `${what}: ${this.money(t.amount)}` }));
    }
  }

  // Asks the node for the basket as it is now (after the stream was down, an
  // answer may have been lost: a line the node took shows up here).
  resync() {
    if (!this.basket) return;
    const id = this.basket.id;
    this.run(async () => {
      if (!this.basket || this.basket.id !== id) return;
      this.show(await this.api.get('/v1/baskets/' + id));
    });
  }

  selectedLine() {
    return this.basket && this.selected >= 0 ? this.basket.lines[this.selected] : null;
  }

  // A basket to add to: the open one, or a new one (once, however fast the scans come).
  async ensureBasket() {
    if (!this.basket) this.show(await this.api.post('/v1/baskets'));
    return this.basket;
  }

  // Runs `fn` after everything queued before it; its error goes to the banner.
  run(fn) {
    this.queue = this.queue.then(fn).catch((e) => {
      // The node no longer has this basket (a restart, another lane took it): start afresh.
      if (e instanceof ApiError && e.code === 'basket_not_found') this.show(null);
      this.error(e);
    }).finally(() => this.focusScan());
    return this.queue;
  }

  scan(text) {
    const m = /^(\d{1,4})\*(.+)$/.exec(text);
    const code = m ? m[2].trim() : text;
    const qty = m ? Number(m[1]) : null;
    return this.run(async () => {
      const b = await this.ensureBasket();
      const body = { code };
      if (qty) body.qty = qty;
      try {
        this.show(await this.api.post(`/v1/baskets/${b.id}/lines`, body));
      } catch (e) {
        if (!(e instanceof ApiError) || e.code !== 'weight_required') throw e;
        const w = await ask({ title: 'Weight', fields: [{ name: 'g', label: `Weight of ${code} in grams`, inputmode: 'numeric' }],
          extra: () => (v) => (/^\d{1,6}$/.test(v.g) && Number(v.g) > 0 ? null : 'The weight in whole grams, e.g. 1250') });
        if (!w) return;
        this.show(await this.api.post(`/v1/baskets/${b.id}/lines`, { code, weight_g: Number(w.g) }));
      }
      this.selected = this.basket.lines.length - 1;
      this.show(this.basket);
      this.clearBanner();
    });
  }

  onEvent(e) {
    if (e.type === 'basket' && e.basket && (!this.basket || this.basket.id === e.basket.id)) {
      // A scan from the node's own scanner into this lane's basket, or this lane's own change.
      if (!this.basket || e.basket.version > this.basket.version) {
        if (!this.basket || e.basket.lines.length > this.basket.lines.length) this.selected = e.basket.lines.length - 1;
        this.show(e.basket);
      }
    } else if (e.type === 'scan_refused' && e.error.code === 'no_open_basket') {
      this.scan(e.code);  // the node's scanner, and no basket yet: the lane opens one
    } else if (e.type === 'scan_refused') {
      this.error(new ApiError(0, e.error.code, e.error.message), `Scanner: ${e.code}: `);
    } else if (e.type === 'scan' && !e.into_basket) {
      this.scan(e.code);  // the node reads the scanner; the lane adds what it read
    } else if (e.type === 'low_stock') {
      // Shown on the dashboard; the lane does not interrupt the cashier.
    } else if (e.type === 'print' && !e.printed) {
      this.error(new ApiError(0, 'print', e.error || 'the printer failed'), `Printer ${e.printer}: `);
    }
  }

  focusScan() {
    if (!dialogOpen() && !$('lane').hidden) $('scan').focus();
  }
}

// --- wiring ---------------------------------------------------------------------

const lane = new Lane();
const keys = actions(lane);

function keyName(e) {
  return (e.shiftKey ? 'Shift+' : '') + (e.key === 'Delete' ? 'Del' : e.key);
}

function start() {
  const keysBox = $('keys');
  for (const a of keys) {
    keysBox.append(el('button', { type: 'button', class: 'key' + (a.supervisor ? ' supervisor' : ''), 'data-key': a.key,
      onclick: () => lane.run(() => a.run()) }, el('kbd', { text: a.key }), el('span', { text: a.label })));
  }
  document.addEventListener('keydown', (e) => {
    if (dialogOpen() || $('lane').hidden) return;
    const name = keyName(e);
    const a = keys.find((k) => k.key === name);
    if (a && e.key === 'Delete' && $('scan').value) return;  // Del edits what is being typed
    if (a) {
      e.preventDefault();
      lane.run(() => a.run());
    } else if (e.key === 'ArrowUp' || e.key === 'ArrowDown') {
      e.preventDefault();
      const n = lane.basket ? lane.basket.lines.length : 0;
      if (n) {
        lane.selected = Math.max(0, Math.min(n - 1, lane.selected + (e.key === 'ArrowUp' ? -1 : 1)));
        lane.show(lane.basket);
      }
    }
  });
  $('scan').addEventListener('keydown', (e) => {
    if (e.key !== 'Enter') return;
    e.preventDefault();
    const text = e.target.value.trim();
    e.target.value = '';
    if (text) lane.scan(text);
  });
  // The scan field keeps the focus: a scanner's keystrokes must never go elsewhere.
  $('scan').addEventListener('blur', () => setTimeout(() => lane.focusScan(), 0));
  focusHomeAfterDialogs(() => lane.focusScan());
  $('signout').addEventListener('click', () => lane.signOut());
  signInScreen((token) => lane.signIn(token));
}

start();
