// The fleet dashboard (docs/hq-operations.md "The fleet dashboard"): every
// store with its link, lag and alerts, worst first; availability of a SKU
// across stores; the last changes with their delivery; and HQ's live feed
// (GET /v1/feed), which also says when to read the figures again. Read-only:
// any HQ API token signs in.

import { Api, plain, saveToken, el } from './api.js';
import { signInScreen, signOut } from './signin.js';

const $ = (id) => document.getElementById(id);
const LIVE_ROWS = 30;
let api = null;
let lastId = null;  // the last feed row seen: a reconnect resumes after it
let sku = '';
const pending = {};  // debounced refreshes by name

function banner(text) {
  $('banner').hidden = !text;
  $('banner').className = 'banner error';
  $('banner').textContent = text || '';
}

function ago(iso) {
  if (!iso) return 'never';
  const s = Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 1000));
  if (s < 90) return s + ' s ago';
  if (s < 5400) return Math.round(s / 60) + ' min ago';
  if (s < 172800) return Math.round(s / 3600) + ' h ago';
  return Math.round(s / 86400) + ' days ago';
}

function later(name, f, ms = 300) {
  if (pending[name]) return;
  pending[name] = setTimeout(async () => {
    pending[name] = null;
    try { await f(); banner(''); } catch (e) { banner(plain(e)); }
  }, ms);
}

function fill(tbody, list, cells, rowClass = () => '') {
  tbody.textContent = '';
  for (const item of list) {
    const tr = el('tr', { class: rowClass(item) });
    for (const [content, cls] of cells(item)) {
      tr.append(content instanceof Node ? el('td', { class: cls || '' }, content) : el('td', { class: cls || '', text: String(content) }));
    }
    tbody.append(tr);
  }
}

const pill = (online) => el('span', { class: 'pill ' + (online ? 'online' : 'offline'), text: online ? 'online' : 'offline' });

// Worst first: alerts, then offline, then the larger lag.
function badness(s) {
  return s.alerts.length * 1e12 + (s.online ? 0 : 1e11) + s.lag;
}

async function refreshStores() {
  const { stores } = await api.get('/v1/stores');
  stores.sort((a, b) => badness(b) - badness(a) || a.store_id.localeCompare(b.store_id));
  const online = stores.filter((s) => s.online).length;
  const alerting = stores.filter((s) => s.alerts.length).length;
  const summary = $('fleet-summary');
  summary.textContent = `${stores.length} stores · ${online} online · `;
  summary.append(el('span', { class: alerting ? 'bad' : '', text: alerting ? `${alerting} with alerts` : 'no alerts' }));
  fill($('store-list').tBodies[0], stores, (s) => [
    [s.store_id],
    [pill(s.online)],
    [s.lag, 'num'],
    [s.held_seq, 'num'],
    [ago(s.last_heard), 'nowrap'],
    [s.down_log.pending, 'num'],
    [el('span', {}, ...s.alerts.map((a) => el('span', { class: 'alert ' + a.kind, title: a.message, text: a.message })))],
  ], (s) => (s.alerts.length ? 'alerting' : ''));
  $('updated').textContent = 'updated ' + new Date().toLocaleTimeString();
}

async function refreshAvailability() {
  if (!sku) return;
  const a = await api.get('/v1/availability/' + encodeURIComponent(sku));
  $('sku-total').textContent = `${a.available} available in ${a.stores.length} stores`;
  $('sku-none').hidden = a.stores.length > 0;
  $('sku-stores').hidden = a.stores.length === 0;
  fill($('sku-stores').tBodies[0], a.stores, (s) => [
    [s.store_id], [s.available, 'num'], [s.reserved, 'num'], [s.as_of_seq, 'num'], [pill(s.online)], [ago(s.last_heard), 'nowrap'],
  ]);
}

async function refreshChanges() {
  const { changes } = await api.get('/v1/changes?limit=10');
  $('changes-none').hidden = changes.length > 0;
  fill($('change-list').tBodies[0], changes, (c) => [
    [c.change_id, 'num'], [c.kind], [ago(c.at), 'nowrap'],
    [c.summary.applied, 'num'], [c.summary.pending, 'num'], [c.summary.quarantined, 'num'],
  ], (c) => (c.summary.quarantined ? 'alerting' : ''));
}

function describe(r) {
  switch (r.type) {
    case 'stock': return `${r.store_id}: ${r.sku} now ${r.on_hand} on hand` + (r.reserved ? ` (${r.reserved} reserved)` : '');
    case 'sales': return `${r.store_id}: sales up to seq ${r.as_of_seq}`;
    case 'delivery': return `${r.store_id}: ${r.kind} (HQ seq ${r.hq_seq}) ` + (r.applied ? 'applied' : 'quarantined: ' + r.reason);
    case 'order': return `${r.store_id}: order ${r.order_id} ${r.status}`;
    case 'rejected': return `${r.store_id}: a batch was refused: ${r.reason}`;
    case 'store': return `${r.store_id}: ${r.online ? 'online' : 'offline'}`;
    default: return `${r.store_id || ''}: ${r.type}`;
  }
}

function onFeed(m) {
  if (m.type === 'hello') {
    if (lastId === null) lastId = m.after;
    return;
  }
  if (m.type === 'gap') {
    lastId = m.oldest_id - 1;
    later('stores', refreshStores);
    later('availability', refreshAvailability);
    return;
  }
  if (m.id === undefined) return;
  lastId = m.id;
  const list = $('feed-list');
  list.prepend(el('li', {}, el('span', { class: 'id', text: '#' + m.id }), describe(m)));
  while (list.children.length > LIVE_ROWS) list.lastChild.remove();
  if (m.type === 'stock' && m.sku === sku) later('availability', refreshAvailability, 100);
  if (m.type === 'delivery') later('changes', refreshChanges);
  if (m.type === 'store' || m.type === 'rejected' || m.type === 'delivery' || m.type === 'sales') later('stores', refreshStores);
  if (m.type === 'store') later('availability', refreshAvailability);
}

function onFeedState(up) {
  $('feed').textContent = up ? 'feed: live' : 'feed: reconnecting';
  $('feed').classList.toggle('down', !up);
}

async function start() {
  $('board').hidden = false;
  $('where').textContent = 'fleet dashboard';
  await Promise.all([refreshStores(), refreshChanges()]);
  api.events(onFeed, onFeedState, () => '/v1/feed' + (lastId === null ? '' : '?after=' + lastId));
  // Lag, last contact and alerts age without a feed row: read them again every 5 s.
  setInterval(() => {
    later('stores', refreshStores, 0);
    later('availability', refreshAvailability, 0);
  }, 5000);
  setInterval(() => later('changes', refreshChanges, 0), 15000);
}

$('sku-form').addEventListener('submit', (e) => {
  e.preventDefault();
  sku = $('sku').value.trim();
  later('availability', refreshAvailability, 0);
});
$('signout').addEventListener('click', signOut);
signInScreen(async (token) => {
  api = new Api(token, (ok) => banner(ok ? '' : 'posd-hq is not answering; the figures below are from ' + $('updated').textContent.replace('updated ', '') + '.'));
  await api.get('/v1/stores');
  saveToken(token);
  await start();
});
