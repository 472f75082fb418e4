// The browser lane and the dashboard in Debian's chromium against a real posd
// process: a cashier's day with the keyboard alone, a scan from the node's own
// scanner, a return, a refused supervisor action, the dashboard live and the
// day closed, an operator's sign-on, discount, exchange, lock and take-over,
// and the node going away. Screenshots go to POSD_SCREENSHOTS.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { launch } from './browser.mjs';
import { Store, CASHIER, SUPERVISOR, until } from './store.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));  // import.meta.dirname needs Node 20.11

const shots = process.env.POSD_SCREENSHOTS || path.resolve(here, '../../build/screenshots');
let browser, store, page;
const requests = [];  // [method, path] of everything the pages asked the node
const refusedByPolicy = [];  // what the Content-Security-Policy blocked

function watch(p) {
  p.on('pageerror', (e) => { throw e; });
  p.on('request', (r) => requests.push([r.method(), new URL(r.url()).pathname]));
  p.on('websocket', (ws) => requests.push(['GET', new URL(ws.url()).pathname]));
  p.on('console', (m) => { if (m.text().includes('Content Security Policy')) refusedByPolicy.push(m.text()); });
}

before(async () => {
  browser = await launch();
  store = await Store.start();
  mkdirSync(shots, { recursive: true });
  page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  watch(page);
});

after(async () => {
  if (browser) await browser.close();
  if (store) await store.stop();
});

const text = (sel) => page.locator(sel).innerText();
// Waits until the element `sel` of page `p` shows `want`.
async function waitText(sel, want, p = page) {
  await p.waitForFunction(([s, w]) => {
    const e = document.querySelector(s);
    return e && e.innerText.includes(w);
  }, [sel, want], { timeout: 10000 });
}
async function scanField(timeout = 30000) {
  await page.waitForFunction(() => document.activeElement && document.activeElement.id === 'scan', null, { timeout });
}
async function type(textToType) {
  await page.keyboard.type(textToType);
  await page.keyboard.press('Enter');
}
// Shift+Del, and Enter once the confirmation is up.
async function cancelBasket() {
  await page.keyboard.press('Shift+Delete');
  await page.waitForSelector('dialog button.primary');
  await page.keyboard.press('Enter');
  await lineCount(0);
}
async function lineCount(n) {
  await page.waitForFunction((k) => document.querySelectorAll('#lines tbody tr').length === k, n, { timeout: 10000 });
}

test('a cashier signs in, scans three items, takes cash and reads the change and the receipt', async () => {
  await page.goto(store.url + '/');
  // The lane's files come with a CSP and no inline script; the page still works under it.
  await page.fill('#token', 'not-a-token');
  await page.keyboard.press('Enter');
  await waitText('#signin-error', 'not known');
  await page.fill('#token', CASHIER);
  await page.keyboard.press('Enter');
  await waitText('#where', 'lane-1 (cashier)');
  assert.equal(await page.evaluate(() => sessionStorage.getItem('posd.token')), CASHIER);
  assert.ok(!page.url().includes(CASHIER));
  await scanField();

  await type('4006381333931');  // Pen, blue 1.99
  await type('8712345670016');  // Milk 1.19, promotion: 0.99
  await type('8712345670023');  // Bread 2.89
  await lineCount(3);
  await waitText('#total-amount', '5.87 EUR');
  assert.match(await text('#lines tbody'), /MILK-99/);
  await page.screenshot({ path: path.join(shots, 'lane.png') });
  // Bad scans: the API's error code in plain words, and the basket as it was.
  await type('NOPE-123');
  await waitText('#banner', 'No item has this code');
  await type('4006381333932');  // a misread: wrong check digit
  await waitText('#banner', 'did not read correctly');
  await lineCount(3);

  await page.keyboard.press('F2');
  await page.waitForSelector('dialog #f-amount');
  assert.equal(await page.inputValue('#f-amount'), '5.87');  // what is due, selected: typing replaces it
  await type('ten');
  await waitText('dialog .dialog-error', 'An amount such as 5.87');
  await page.fill('#f-amount', '');
  await type('10');
  await waitText('#change', '4.13');
  const receipt = await text('#receipt');
  assert.match(receipt, /Receipt 1/);
  assert.match(receipt, /TOTAL EUR +5\.87/);
  assert.match(receipt, /CHANGE +4\.13/);
  await page.keyboard.press('Enter');  // next customer
  await lineCount(0);
  await waitText('#banner', 'Sale 1 complete');
  await scanField();

  const sale = await store.api('GET', '/v1/sales/1');
  assert.equal(sale.json.total, 587);
  assert.equal(sale.json.change, 413);
  // The printer is fed after the answer, on its own connection.
  await until('the receipt to reach the printer', () => store.printed.length > 0);
});

test('a scan from the node\'s own scanner lands in the lane\'s basket; Shift+Del cancels it', async () => {
  await store.scan('8712345670030');  // Coffee: no basket yet, the lane opens one
  await lineCount(1);
  await store.scan('8712345670030');  // the node adds it to the now open basket
  await lineCount(2);
  await waitText('#lines tbody', 'COFFEE-10');
  await store.scan('8712345670023', { plain: true });  // reported only: the lane adds it
  await lineCount(3);
  await waitText('#lines tbody tr:nth-child(3)', 'Bread');
  await cancelBasket();
  await waitText('#banner', 'Basket cancelled');
});

test('quantity, remove and a supervisor\'s price override, all from the keyboard', async () => {
  await scanField();
  await type('4006381333948');  // Pen, red
  await type('8712345670023');  // Bread
  await lineCount(2);
  await page.keyboard.press('F4');  // quantity of the selected (last) line
  await page.waitForSelector('dialog #f-n');
  await type('3');
  await waitText('#lines tbody tr:nth-child(2)', '3');
  await page.keyboard.press('ArrowUp');
  // The node's answer to the override is held back: the scan field must have
  // the focus as soon as the last dialog closes, and a scan typed meanwhile is
  // added after the override, not lost.
  let answer;
  const held = new Promise((r) => { answer = r; });
  const lines = '**/v1/baskets/*/lines/*';
  await page.route(lines, async (route) => {
    if (route.request().method() === 'PATCH') await held;
    await route.continue();
  });
  await page.keyboard.press('Shift+F3');
  await page.waitForSelector('dialog #f-p');
  await type('1.00');
  await page.waitForSelector('dialog #f-token');
  await type(SUPERVISOR);
  await scanField(3000);
  await type('APPLES');  // sold by weight: the lane asks for the grams once the override is in
  answer();
  await waitText('#lines tbody tr:nth-child(1)', 'price override by office');
  await waitText('#total-amount', '9.67');  // 1.00 + 3 × 2.89
  await page.unroute(lines);
  await page.waitForSelector('dialog #f-g');
  await type('1250');
  await lineCount(3);
  await waitText('#lines tbody tr:nth-child(3)', '1.250 kg');
  await waitText('#total-amount', '14.03');  // + 4.36
  await page.keyboard.press('Delete');  // the selected (last) line
  await lineCount(2);
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('Delete');
  await lineCount(1);
  await waitText('#total-amount', '1.00');
  await cancelBasket();
});

test('split tenders: part by card, the rest in cash; park a basket and resume it; look an item up', async () => {
  await scanField();
  await type('2*8712345670030');  // two coffees, 10 % off: 14.38
  await lineCount(1);
  await waitText('#total-amount', '14.38');
  await page.keyboard.press('F7');  // park it
  await waitText('#banner', 'Basket parked');
  await lineCount(0);
  await page.keyboard.press('F8');
  await page.waitForSelector('dialog #f-n');
  await page.keyboard.press('Enter');  // the first (only) parked basket
  await lineCount(1);
  await waitText('#total-amount', '14.38');

  await page.keyboard.press('F9');
  await page.waitForSelector('dialog #f-code');
  await type('8712345670047');
  await waitText('#item', 'CHOC-DARK');
  assert.match(await text('#item'), /On hand\s+2/);
  await page.keyboard.press('Enter');

  await page.keyboard.press('F3');
  await page.waitForSelector('dialog #f-ref');
  await page.fill('#f-amount', '10');
  await page.fill('#f-ref', 'AUTH-5512');
  await page.fill('#f-last4', '4242 4242 4242 4242');  // a whole card number is refused before it leaves the lane
  await page.keyboard.press('Enter');
  await waitText('dialog .dialog-error', 'last four digits');
  await page.fill('#f-last4', '4242');
  await page.keyboard.press('Enter');
  await waitText('#due-amount', '4.38');
  await waitText('#tenders', 'card ************4242 ref AUTH-5512: 10.00');
  await page.keyboard.press('F2');
  await page.waitForSelector('dialog #f-amount');
  await type('5');
  await waitText('#change', '0.62');
  await page.keyboard.press('Enter');
  await lineCount(0);
  const sale = (await store.api('GET', '/v1/sales/2')).json;
  assert.deepEqual(sale.tenders.map((t) => [t.type, t.applied]), [['card', 1000], ['cash', 438]]);
});

test('a cashier is refused a supervisor action: void needs a supervisor\'s token', async () => {
  await page.keyboard.press('Shift+F4');
  await page.waitForSelector('dialog #f-n');
  assert.equal(await page.inputValue('#f-n'), '2');  // the last receipt
  await page.fill('#f-n', '1');
  await page.keyboard.press('Enter');
  await page.waitForSelector('dialog #f-token');
  await type(CASHIER);  // a cashier's own token is no supervisor's
  await waitText('#banner', 'That is not a supervisor\'s token');
  assert.equal((await store.api('GET', '/v1/sales/1')).json.status, 'completed');
  await scanField();
});

test('at a supervisor\'s lane, supervisor actions need no second token: no-sale, refund without receipt', async () => {
  const office = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  watch(office);
  await office.goto(store.url + '/');
  await office.fill('#token', SUPERVISOR);
  await office.keyboard.press('Enter');
  await office.waitForFunction(() => document.getElementById('where').innerText.includes('office (supervisor)'));
  const banner = (want) => waitText('#banner', want, office);
  await office.keyboard.press('Shift+F8');
  await banner('Drawer opened');
  await office.keyboard.press('Shift+F10');
  await office.waitForSelector('dialog #f-code');
  await office.fill('#f-code', '4006381333931');
  await office.fill('#f-qty', '1');
  await office.fill('#f-amount', '1.99');
  await office.keyboard.press('Enter');
  await office.waitForSelector('#refund');
  assert.equal(await office.locator('#refund').innerText(), '1.99');
  await office.keyboard.press('Enter');
  await banner('1.99 refunded');
  assert.equal(await office.locator('dialog[open]').count(), 0);  // no supervisor prompt came up
  await office.close();
});

test('a return by receipt number refunds one line to the tender it was paid with', async () => {
  await page.keyboard.press('F10');
  await page.waitForSelector('dialog #f-n');
  await page.fill('#f-n', '1');
  await page.keyboard.press('Enter');
  await page.waitForSelector('dialog #f-l3');
  await page.fill('#f-l3', '1');  // the bread
  await page.keyboard.press('Enter');
  await waitText('#refund', '2.89');
  await page.keyboard.press('Enter');
  await waitText('#banner', 'Return 2 recorded');  // 1 was the refund without receipt
  const sale = (await store.api('GET', '/v1/sales/1')).json;
  assert.equal(sale.returns.length, 1);
  assert.equal(sale.returns[0].refund, 289);
  assert.equal((await store.api('GET', '/v1/stock/BREAD')).json.on_hand, 40);  // 40 − 1 sold + 1 back
});

test('the dashboard shows the day live and a supervisor closes it', async () => {
  // An entry HQ sent that could not apply, as sync/down_log.cpp records it.
  execFileSync('sqlite3', [store.db, "INSERT INTO down_quarantine(hq_seq, kind, reason, body, at) VALUES " +
    "(41, 'price', 'price: no item has the SKU GONE-1', '{\"sku\":\"GONE-1\",\"price\":100}', '2026-11-23T06:00:00Z')"]);
  const dash = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  watch(dash);
  await dash.goto(store.url + '/dashboard');
  await dash.fill('#token', CASHIER);
  await dash.keyboard.press('Enter');
  const wait = (sel, want) => waitText(sel, want, dash);
  await wait('#x-net', '15.37 EUR');  // 5.87 + 14.38 sold − 2.89 returned − 1.99 refunded without receipt
  await wait('#low', 'CHOC-DARK');   // 2 on hand, alert at 8
  await wait('#x-operators', 'no operator');  // nobody signed on at a lane yet: the day under "no operator"
  await wait('#device-list', 'lane-1-printer');
  await wait('#device-list', 'lane-1-scanner');
  await wait('#device-list', 'lane-1-handheld');
  await wait('#hq-link', 'not configured');  // the test store has no mqtt: it runs alone
  await wait('#q-list', 'no item has the SKU GONE-1');

  // A sale at another terminal shows up without a reload (/v1/events).
  const b = (await store.api('POST', '/v1/baskets', SUPERVISOR)).json;
  await store.api('POST', `/v1/baskets/${b.id}/lines`, SUPERVISOR, { code: 'COFFEE-500' });
  await store.api('POST', `/v1/baskets/${b.id}/tenders`, SUPERVISOR, { type: 'cash', amount: 1000 });
  assert.equal((await store.api('POST', `/v1/baskets/${b.id}/complete`, SUPERVISOR)).status, 200);
  await wait('#x-net', '22.56 EUR');  // + 7.19
  await dash.screenshot({ path: path.join(shots, 'dashboard.png'), fullPage: true });

  await dash.click('#close-day');
  await dash.waitForSelector('dialog button.primary');
  await dash.keyboard.press('Enter');  // yes, close it
  await dash.waitForSelector('dialog #f-token');
  await dash.keyboard.type(SUPERVISOR);
  await dash.keyboard.press('Enter');
  await wait('#z-result', 'Z number');
  await dash.waitForSelector('dialog button.primary');
  assert.match(await dash.locator('#z-result').innerText(), /office/);
  await dash.keyboard.press('Enter');
  await wait('#x-net', '0.00 EUR');
  await dash.close();
});

test('an operator signs on with a PIN, gives a discount, takes an exchange, locks the lane, and a supervisor takes it over', async () => {
  await scanField();
  await page.keyboard.press('Shift+F1');
  await page.waitForSelector('dialog #f-operator');
  await page.fill('#f-operator', 'ann');
  await page.fill('#f-pin', '0000');
  await page.keyboard.press('Enter');
  await waitText('#banner', 'wrong PIN');
  await page.keyboard.press('Shift+F1');
  await page.waitForSelector('dialog #f-operator');
  await page.fill('#f-operator', 'ann');
  await page.fill('#f-pin', '4711');
  await page.keyboard.press('Enter');
  await waitText('#where', 'lane-1 (ann, cashier)');

  // A price override Sam approves with his operator id and PIN, at Ann's lane.
  await scanField();
  await type('8712345670023');
  await lineCount(1);
  await page.keyboard.press('Shift+F3');
  await page.waitForSelector('dialog #f-p');
  await type('1.00');
  await page.waitForSelector('dialog #f-op');
  await page.fill('#f-op', 'sam');
  await page.fill('#f-pin', '2580');
  await page.keyboard.press('Enter');
  await waitText('#lines tbody tr:nth-child(1)', 'price override by sam');
  await cancelBasket();

  // A coffee (7.99, 10 % off: 7.19) with the cashier's own 10 % on top, for a reason from the store's list.
  await scanField();
  await type('8712345670030');
  await lineCount(1);
  await page.keyboard.press('F5');
  await page.waitForSelector('dialog #f-off');
  await page.fill('#f-off', '10%');
  await page.selectOption('#f-reason', 'DAMAGED');
  await page.keyboard.press('Enter');
  await waitText('#lines tbody tr:nth-child(1)', 'discount -0.72 DAMAGED');
  await waitText('#total-amount', '6.47');
  await page.keyboard.press('F2');
  await page.waitForSelector('dialog #f-amount');
  await page.keyboard.press('Enter');  // exact
  await page.waitForSelector('#change');
  await page.keyboard.press('Enter');
  await lineCount(0);
  const sold = (await store.api('GET', '/v1/sales/4')).json;
  assert.equal(sold.operator, 'ann');
  assert.equal(sold.manual_discount_total, 72);
  assert.equal(sold.lines[0].manual_discount.reason, 'DAMAGED');

  // The coffee comes back for a loaf: 6.47 credit pays 2.89, and 3.58 goes back in cash.
  await scanField();
  await type('8712345670023');
  await lineCount(1);
  await page.keyboard.press('Shift+F7');
  await page.waitForSelector('dialog #f-n');
  assert.equal(await page.inputValue('#f-n'), '4');  // the last receipt
  await page.keyboard.press('Enter');
  await page.waitForSelector('dialog #f-l1');
  await page.fill('#f-l1', '1');
  await page.keyboard.press('Enter');
  await waitText('#sums', 'Brought back (receipt 4)');
  await waitText('#sums', '3.58');
  await waitText('#due-amount', '0.00');
  await page.keyboard.press('F2');
  await waitText('#refund-due', 'Give back 3.58: cash 3.58');
  await page.screenshot({ path: path.join(shots, 'lane-exchange.png') });
  await page.keyboard.press('Enter');
  await lineCount(0);
  const exchanged = (await store.api('GET', '/v1/sales/5')).json;
  assert.deepEqual(exchanged.tenders.map((t) => [t.type, t.applied]), [['exchange', 289]]);
  assert.equal(exchanged.exchange.refund_due, 358);

  // Ann locks the lane; Sam, a supervisor, takes it over with his PIN.
  await scanField();
  await page.keyboard.press('Shift+F5');
  await page.waitForSelector('dialog #f-pin');
  assert.equal(await page.inputValue('#f-operator'), 'ann');
  assert.equal((await store.api('POST', '/v1/baskets', CASHIER)).json.error.code, 'lane_locked');
  await page.fill('#f-operator', 'sam');
  await page.fill('#f-pin', '2580');
  await page.keyboard.press('Enter');
  await waitText('#where', 'lane-1 (sam, supervisor)');
  await waitText('#banner', 'sam took the lane over');
  assert.equal((await store.api('GET', '/v1/operator', CASHIER)).json.operator, 'sam');
  await page.keyboard.press('Shift+F1');
  await page.waitForSelector('dialog button.primary');
  await page.keyboard.press('Enter');
  await waitText('#where', 'lane-1 (cashier)');
});

test('a till: a float counted in, a cash sale and a paid out, a blind close short by 0.04, shown on the Z', async () => {
  await scanField();
  await page.keyboard.press('F1');
  await page.waitForSelector('dialog #f-till');
  await page.fill('#f-d2000', '2');  // 40.00
  await page.keyboard.press('Enter');
  await waitText('#banner', 'open with a float of 40.00');
  await scanField();
  await type('8712345670023');  // bread, 2.89 in cash
  await lineCount(1);
  await page.keyboard.press('F2');
  await page.waitForSelector('dialog #f-amount');
  await page.keyboard.press('Enter');
  await page.waitForSelector('#change');
  await page.keyboard.press('Enter');
  await lineCount(0);
  await page.keyboard.press('F1');
  await page.waitForSelector('dialog #f-what');
  await page.keyboard.press('Enter');  // paid out
  await page.waitForSelector('dialog #f-amount');
  await type('5');
  await waitText('#banner', 'paid out 5.00 recorded');
  // Blind: the lane is shown no expected figure before its count.
  const seen = (await store.api('GET', '/v1/tills/T-lane-1', CASHIER)).json;
  assert.equal(seen.figures, undefined);
  await page.keyboard.press('F1');
  await page.waitForSelector('dialog #f-what');
  await page.selectOption('#f-what', 'close');
  await page.keyboard.press('Enter');
  await page.waitForSelector('dialog #f-d2000');
  // 37.85 counted of 40.00 + 2.89 − 5.00 = 37.89.
  for (const [d, n] of [[2000, 1], [1000, 1], [500, 1], [200, 1], [50, 1], [20, 1], [10, 1], [5, 1]]) await page.fill('#f-d' + d, String(n));
  await page.keyboard.press('Enter');
  await waitText('#till-result', 'short 0.04');
  await page.keyboard.press('Enter');

  const dash = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  watch(dash);
  await dash.goto(store.url + '/dashboard');
  await dash.fill('#token', CASHIER);
  await dash.keyboard.press('Enter');
  await waitText('#x-net', 'EUR', dash);
  await dash.click('#close-day');
  await dash.waitForSelector('dialog button.primary');
  await dash.keyboard.press('Enter');
  await dash.waitForSelector('dialog #f-token');
  await dash.keyboard.type(SUPERVISOR);
  await dash.keyboard.press('Enter');
  await waitText('#z-result', 'Till T-lane-1 (lane-1)', dash);
  await waitText('#z-result', 'counted 37.85 of 37.89: short 0.04', dash);
  await dash.screenshot({ path: path.join(shots, 'z-tills.png'), fullPage: true });
  await dash.keyboard.press('Enter');
  await dash.close();
});

test('the lane says plainly when the node is unreachable, and carries on with its basket when the node is back', async () => {
  await scanField();
  await type('4006381333931');
  await lineCount(1);
  await store.kill();
  await type('4006381333931');
  await waitText('#banner', 'The node is not answering. Nothing was saved.');
  await waitText('#node', 'UNREACHABLE');
  await lineCount(1);  // nothing pretends the second scan went in
  await store.run();
  await waitText('#node', 'online');
  // The basket outlived the node: once it is back the lane asks for its
  // basket and carries on with the line the node had acknowledged.
  await lineCount(1);
  assert.ok(!(await page.locator('#banner').isVisible()) ||
            !(await page.locator('#banner').innerText()).includes('no longer on the node'));
  await scanField();
  await type('3301234567893');  // red wine
  await lineCount(2);
  await waitText('#lines tbody tr:nth-child(2)', 'check age');
});

test('the receipt check page: a real receipt is valid, an altered total or another store\'s key is not', async () => {
  const b = (await store.api('POST', '/v1/baskets', SUPERVISOR)).json;
  await store.api('POST', `/v1/baskets/${b.id}/lines`, SUPERVISOR, { code: 'MILK-1L' });
  await store.api('POST', `/v1/baskets/${b.id}/tenders`, SUPERVISOR, { type: 'cash', amount: 500 });
  const done = (await store.api('POST', `/v1/baskets/${b.id}/complete`, SUPERVISOR)).json;
  const code = done.receipt_code;
  assert.match(code, /^posd1:DEMO-001:/);
  const verify = await browser.newPage({ viewport: { width: 1000, height: 700 } });
  watch(verify);
  await verify.goto(store.url + '/verify');
  await verify.waitForFunction(() => document.getElementById('pubkey').value.includes('BEGIN PUBLIC KEY'));
  const result = async (codeText, key) => {
    await verify.evaluate(() => { document.getElementById('result').textContent = ''; });
    await verify.fill('#code', codeText);
    if (key !== undefined) await verify.fill('#pubkey', key);
    await verify.click('#check');
    await verify.waitForFunction(() => document.getElementById('result').textContent !== '');
    return verify.locator('#result').innerText();
  };
  // As printed: in 40-column lines.
  const printed = code.match(/.{1,40}/g).join('\n');
  assert.match(await result(printed), /^Valid: receipt \d+ of store DEMO-001, total [0-9.]+ EUR/);
  await verify.screenshot({ path: path.join(shots, 'verify.png') });
  const parts = code.split(':');
  parts[parts.length - 3] = String(Number(parts[parts.length - 3]) + 100);  // the total
  assert.match(await result(parts.join(':')), /^NOT valid/);
  assert.match(await result('posd1:nonsense'), /^not a receipt code/);
  const other = execFileSync('sh', ['-c', 'openssl genpkey -algorithm ed25519 | openssl pkey -pubout']).toString();
  assert.match(await result(code, other), /^NOT valid/);
  // ?code= fills the code in and checks it with the store's key.
  await verify.goto(store.url + '/verify?code=' + encodeURIComponent(code));
  await verify.waitForFunction(() => document.getElementById('result').textContent.startsWith('Valid'));
  await verify.close();
});

test('every request the pages made is an operation of docs/openapi.yaml', () => {
  // The lane and the dashboard are built on the public API only.
  const doc = readFileSync(path.resolve(here, '../../docs/openapi.yaml'), 'utf8');
  const ops = [];
  let current = null;
  for (const line of doc.split('\n')) {
    const p = /^  (\/\S*):\s*$/.exec(line);
    if (p) current = new RegExp('^' + p[1].replace(/\{[^}]+\}/g, '[^/]+') + '$');
    const m = /^    (get|post|patch|delete|put):/.exec(line);
    if (m && current) ops.push([m[1].toUpperCase(), current]);
  }
  assert.ok(ops.length > 20);
  assert.ok(requests.length > 40);
  const undocumented = requests.filter(([method, p]) => !ops.some(([m, re]) => m === method && re.test(p)));
  assert.deepEqual(undocumented, []);
  assert.deepEqual(refusedByPolicy, []);  // the pages live within their own CSP
});
