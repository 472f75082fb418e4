// The store manager's dashboard: today's X figures, low-stock items, the link
// to HQ, devices, and HQ messages that could not apply; closing the day (Z)
// as a supervisor. Refreshed live: /v1/events says when the journal moved or
// stock fell low, and /v1/status is asked every 5 s for the link and devices.

import { Api, ApiError, plain, saveToken, minorDigits, money, weight, el } from './api.js';
import { tell, supervisorToken } from './ui.js';
import { signInScreen, signOut } from './signin.js';

const $ = (id) => document.getElementById(id);
let api = null;
let me = null;
let digits = 2;
let reachable = true;
const m = (x) => money(x, digits);

function banner(text, kind) {
  const b = $('banner');
  b.hidden = !text;
  b.className = 'banner ' + (kind || 'error');
  b.textContent = text || '';
}

function setReachable(ok) {
  if (ok === reachable) return;
  reachable = ok;
  $('node').textContent = ok ? 'node: online' : 'node: UNREACHABLE';
  $('node').classList.toggle('down', !ok);
  banner(ok ? '' : plain(new ApiError(0, 'unreachable', '')) + ' The figures below are from ' + $('updated').textContent.replace('updated ', '') + '.');
}

function rows(tbody, list, cells) {
  tbody.textContent = '';
  for (const item of list) {
    const tr = el('tr');
    for (const [content, cls] of cells(item)) {
      tr.append(content instanceof Node ? el('td', { class: cls || '' }, content) : el('td', { class: cls || '', text: String(content) }));
    }
    tbody.append(tr);
  }
}

function ago(seconds) {
  if (seconds === null || seconds === undefined) return 'never';
  if (seconds < 90) return seconds + ' s ago';
  if (seconds < 5400) return Math.round(seconds / 60) + ' min ago';
  if (seconds < 172800) return Math.round(seconds / 3600) + ' h ago';
  return Math.round(seconds / 86400) + ' days ago';
}

function defs(dl, pairs) {
  dl.textContent = '';
  for (const [k, v] of pairs) dl.append(el('dt', { text: k }), el('dd', { text: String(v) }));
}

async function refreshFigures() {
  const [x, low] = await Promise.all([api.get('/v1/reports/x'), api.get('/v1/low-stock')]);
  $('x-net').textContent = m(x.net_total) + ' ' + me.currency;
  const n = (k, one, many) => `${k} ${k === 1 ? one : many}`;
  $('x-counts').textContent = `${n(x.sale_count, 'sale', 'sales')} (${m(x.sales_total)}) · ${n(x.return_count, 'return', 'returns')} ` +
    `(${m(x.refund_total)}) · ${n(x.void_count, 'void', 'voids')} (${m(x.voided_total)}) · discounts ${m(x.discount_total)} · ` +
    `period ${x.period} · grand total ${m(x.grand_total)}`;
  rows($('x-tenders').tBodies[0], x.tenders, (t) => [[t.type], [m(t.sales), 'num'], [m(t.refunds), 'num'], [m(t.net), 'num']]);
  rows($('x-tax').tBodies[0], x.tax, (t) => [[`${t.class} ${money(t.rate_bp, 2)}%`], [m(t.sales_base), 'num'], [m(t.net_tax), 'num']]);
  // Who did what today (the lanes with nobody signed on under "no operator").
  rows($('x-operators').tBodies[0], x.operators || [], (o) => [[o.operator ?? 'no operator'], [`${o.sale_count} · ${m(o.sales_total)}`, 'num'],
    [m(o.manual_discount_total), 'num'], [`${o.void_count} · ${m(o.voided_total)}`, 'num'], [`${o.return_count} · ${m(o.refund_total)}`, 'num'],
    [String(o.no_sale_count), 'num']]);
  const amount = (i, v) => (i.unit === 'kg' ? weight(v) : String(v));
  rows($('low').tBodies[0], low.items, (i) => [[`${i.name} (${i.sku})`], [amount(i, i.on_hand), 'num'], [amount(i, i.low_stock), 'num']]);
  $('low-none').hidden = low.items.length > 0;
}

async function refreshStatus() {
  const [s, q] = await Promise.all([api.get('/v1/status'), api.get('/v1/hq/quarantine')]);
  const hq = s.hq || { link: 'offline', acked_seq: 0 };
  const link = $('hq-link');
  link.textContent = hq.configured === false ? 'not configured' : hq.link;
  link.className = 'pill ' + (hq.configured === false ? 'alone' : hq.link);
  $('hq-alone').hidden = hq.configured !== false;
  const backlog = hq.backlog ?? Math.max(0, s.journal_seq - hq.acked_seq);
  defs($('hq-figures'), [['Events not yet at HQ', backlog], ['HQ has up to seq', hq.acked_seq],
    ['Last contact', hq.last_ack ? `${hq.last_ack} (${ago(hq.seconds_since_ack)})` : 'never'],
    ['Quarantined messages', hq.quarantined ?? q.entries.length]]);
  rows($('device-list').tBodies[0], s.devices, (d) => [[d.id], [`${d.kind} (${d.type})`], [d.terminal, 'nowrap'], [el('span', { class: 'pill ' + d.state, text: d.state })]]);
  $('devices-none').hidden = s.devices.length > 0;
  rows($('q-list').tBodies[0], q.entries, (e) => [[e.at.replace('T', ' ').replace('Z', ' UTC')], [e.hq_seq ?? '—', 'num'], [e.kind], [e.reason]]);
  $('q-none').hidden = q.entries.length > 0;
  defs($('node-figures'), [['Store', s.store_id], ['Business day', s.business_day], ['Report period', s.period],
    ['Journal seq', s.journal_seq], ['Catalog items', s.catalog_items], ['Open baskets', s.open_baskets], ['posd version', s.version]]);
  $('updated').textContent = 'updated ' + new Date().toLocaleTimeString();
}

async function refreshAll() {
  try {
    await Promise.all([refreshFigures(), refreshStatus()]);
    if (reachable) banner('');
  } catch (e) {
    if (!(e instanceof ApiError && e.code === 'unreachable')) banner(plain(e));
  }
}

// Many events in a burst (a busy Saturday) make one refresh.
let pending = null;
function soon() {
  if (pending) return;
  pending = setTimeout(() => { pending = null; refreshAll(); }, 300);
}

async function closeDay() {
  const x = await api.get('/v1/reports/x');
  const ok = await tell('Close the day (Z)?',
    `This ends report period ${x.period}: ${x.sale_count} sales, net ${m(x.net_total)} ${me.currency}. ` +
    'The Z report is recorded in the journal and cannot be undone. Sales after it count in the next period.',
    { submit: 'Close the day (Enter)', cancel: 'Not now (Esc)' });
  if (!ok) return;
  let token;
  if (me.role !== 'supervisor') {
    token = await supervisorToken('Closing the day');
    if (!token) return;
  }
  const z = await api.post('/v1/reports/z', null, { supervisor: token });
  const body = el('dl', { class: 'item', id: 'z-result' });
  for (const [k, v] of [['Z number', z.z_no], ['Business day', z.business_day], ['Sales', `${z.sale_count} (${m(z.sales_total)})`],
    ['Returns', `${z.return_count} (${m(z.refund_total)})`], ['Net', m(z.net_total) + ' ' + me.currency], ['Grand total', m(z.grand_total)],
    ['Approved by', z.approved_by], ['Journal seq', z.seq]]) {
    body.append(el('dt', { text: k }), el('dd', { text: String(v) }));
  }
  // Each till the day closed: its count against what it should have held.
  for (const t of z.tills || []) {
    const what = t.open ? `open, should hold ${m(t.expected)}` :
      `counted ${m(t.counted)} of ${m(t.expected)}: ${t.over_short === 0 ? 'exact' : t.over_short > 0 ? 'over ' + m(t.over_short) : 'short ' + m(-t.over_short)}`;
    body.append(el('dt', { text: `Till ${t.till} (${t.terminal})` }), el('dd', { class: 'till', text: what }));
  }
  await tell(`Day closed: Z ${z.z_no}`, body);
  refreshAll();
}

async function signIn(token) {
  const a = new Api(token, setReachable);
  me = await a.get('/v1/status');
  saveToken(token);
  api = a;
  digits = minorDigits(me.currency);
  $('where').textContent = `${me.store_id} — store dashboard · signed in as ${me.terminal} (${me.role})`;
  $('board').hidden = false;
  $('node').textContent = 'node: online';
  await refreshAll();
  api.events((e) => { if (e.type === 'journal' || e.type === 'low_stock') soon(); }, (up) => { if (up) { setReachable(true); soon(); } });
  setInterval(() => refreshStatus().catch(() => {}), 5000);
}

$('close-day').addEventListener('click', () => closeDay().catch((e) => banner(plain(e))));
$('signout').addEventListener('click', signOut);
signInScreen(signIn);
