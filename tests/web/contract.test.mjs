// The contract test: a day at a lane (docs/walkthrough.md and every other
// operation of docs/openapi.yaml) against a real posd over a real socket,
// each request and answer checked against the document (openapi_check.mjs).
// Any drift (a field, a status, a content type the document does not name,
// a value of another type) fails. Then a test of the test: answers broken on
// purpose must be caught. Then a typed client generated from the document
// (openapi-typescript) and a script written against it, type-checked (tsc).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Store, CASHIER, SUPERVISOR } from './store.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const documentFile = path.resolve(here, '../../docs/openapi.yaml');
const tools = path.join(here, 'node_modules/.bin');
if (!['openapi-typescript', 'tsc'].every((t) => existsSync(path.join(tools, t))) ||
    !['ajv', 'ajv-formats', 'yaml'].every((m) => existsSync(path.join(here, 'node_modules', m)))) {
  console.log('skipped: tests/web/node_modules lacks ajv, yaml, openapi-typescript or typescript (scripts/install-deps)');
  process.exit(77);
}
const { Contract, CheckedClient, loadDocument } = await import('./openapi_check.mjs');

async function walkTheDay(lane) {
  const S = { 'X-Supervisor-Token': SUPERVISOR };
  const key = (k) => ({ 'Idempotency-Key': k });
  // Public: liveness, readiness, the document, the pages and their files, the key.
  await lane.call('GET', '/healthz', { token: null, expect: 200 });
  await lane.call('GET', '/readyz', { token: null, expect: 200 });
  await lane.call('GET', '/v1/openapi.yaml', { token: null, expect: 200 });
  for (const page of ['/', '/dashboard', '/verify']) await lane.call('GET', page, { token: null, expect: 200 });
  const css = await lane.call('GET', '/web/posd.css', { token: null, expect: 200 });
  await lane.call('GET', '/web/posd.css', { token: null, headers: { 'If-None-Match': css.headers.get('etag') }, expect: 304 });
  await lane.call('GET', '/web/no-such-file.js', { token: null, expect: 404 });
  await lane.call('GET', '/v1/store/public-key', { token: null, expect: 200 });
  await lane.call('GET', '/metrics', { expect: 200 });
  // Who the lane is, and what it may not do without a token.
  await lane.call('GET', '/v1/status', { expect: 200 });
  await lane.call('GET', '/v1/status', { token: null, expect: 401 });
  await lane.call('GET', '/v1/status', { token: 'not-a-token', expect: 401 });
  const plain = await lane.call('GET', '/v1/events', { expect: 426 });
  assert.equal(plain.headers.get('upgrade'), 'websocket', 'a 426 names the protocol to upgrade to');
  // Items by barcode, by SKU, and the refusals.
  await lane.call('GET', '/v1/items/4006381333931', { expect: 200 });
  await lane.call('GET', '/v1/items/COFFEE-500', { expect: 200 });
  await lane.call('GET', '/v1/items/4006381333932', { expect: 422 });
  await lane.call('GET', '/v1/items/NO-SUCH-SKU', { expect: 404 });
  // The walkthrough's basket: three pens, apples by weight, coffee.
  const b = (await lane.call('POST', '/v1/baskets', { headers: key('open-1'), expect: 201 })).json.id;
  await lane.call('POST', `/v1/baskets/${b}/lines`, { body: { code: '4006381333931', qty: 3 }, expect: 200 });
  await lane.call('POST', `/v1/baskets/${b}/lines`, { body: { code: 'APPLES' }, expect: 400 });
  await lane.call('POST', `/v1/baskets/${b}/lines`, { body: { code: 'APPLES', weight_g: 1250 }, expect: 200 });
  await lane.call('POST', `/v1/baskets/${b}/lines`, { body: { code: 'COFFEE-500' }, expect: 200 });
  await lane.call('POST', `/v1/baskets/${b}/lines`, { body: { code: 'NO-SUCH-SKU' }, expect: 404 });
  await lane.call('POST', `/v1/baskets/${b}/lines`, { body: { code: 'MILK-1L', qty: 2 }, expect: 200 });
  await lane.call('PATCH', `/v1/baskets/${b}/lines/4`, { body: { qty: 1 }, expect: 200 });
  await lane.call('PATCH', `/v1/baskets/${b}/lines/4`, { body: { price: 50 }, expect: 403 });
  await lane.call('PATCH', `/v1/baskets/${b}/lines/4`, { body: { price: 50 }, headers: S, expect: 200 });
  await lane.call('DELETE', `/v1/baskets/${b}/lines/4`, { expect: 200 });
  await lane.call('DELETE', `/v1/baskets/${b}/lines/9`, { expect: 404 });
  // Manual discounts within the cashier's 10 %, for a reason of the store's (tests/web/store.mjs).
  await lane.call('GET', '/v1/reason-codes', { expect: 200 });
  await lane.call('PATCH', `/v1/baskets/${b}/lines/3`, { body: { discount: { percent_bp: 500, reason: 'STAFF' } }, expect: 200 });
  await lane.call('PATCH', `/v1/baskets/${b}/lines/3`, { body: { discount: { percent_bp: 5000, reason: 'STAFF' } }, expect: 403 });
  await lane.call('PATCH', `/v1/baskets/${b}/lines/3`, { body: { discount: null }, expect: 200 });
  await lane.call('PUT', `/v1/baskets/${b}/discount`, { body: { amount: 10, reason: 'DAMAGED' }, expect: 200 });
  await lane.call('PUT', `/v1/baskets/${b}/discount`, { body: { amount: 10 }, expect: 422 });
  await lane.call('DELETE', `/v1/baskets/${b}/discount`, { expect: 200 });
  await lane.call('DELETE', `/v1/baskets/${b}/discount`, { expect: 404 });
  await lane.call('GET', `/v1/baskets/${b}`, { expect: 200 });
  await lane.call('GET', '/v1/baskets', { expect: 200 });
  await lane.call('GET', '/v1/baskets/no-such-basket', { expect: 404 });
  // Parked and taken back.
  await lane.call('POST', `/v1/baskets/${b}/suspend`, { expect: 200 });
  await lane.call('POST', `/v1/baskets/${b}/suspend`, { expect: 409 });
  await lane.call('POST', `/v1/baskets/${b}/resume`, { expect: 200 });
  // Paid by card and cash; a card number is refused and never echoed.
  await lane.call('POST', `/v1/baskets/${b}/tenders`, { body: { type: 'card', amount: 1000, approval_ref: '4111 1111 1111 1111' }, valid: false, expect: 422 });
  await lane.call('POST', `/v1/baskets/${b}/tenders`, { body: { type: 'card', amount: 1000, approval_ref: 'AUTH-55121', masked_pan: '************4242' }, expect: 200 });
  await lane.call('POST', `/v1/baskets/${b}/tenders`, { body: { type: 'card', amount: 99999, approval_ref: 'AUTH-9', masked_pan: '************1111' }, expect: 422 });
  await lane.call('POST', `/v1/baskets/${b}/tenders`, { body: { type: 'cheque', amount: 1 }, valid: false, expect: 400 });
  await lane.call('POST', `/v1/baskets/${b}/lines`, { body: { code: 'BREAD' }, expect: 409 });
  await lane.call('POST', `/v1/baskets/${b}/tenders`, { body: { type: 'cash', amount: 2000 }, expect: 200 });
  const sale = await lane.call('POST', `/v1/baskets/${b}/complete`, { headers: key('lane1-sale-0001'), expect: 200 });
  const again = await lane.call('POST', `/v1/baskets/${b}/complete`, { headers: key('lane1-sale-0001'), expect: 200 });
  assert.deepEqual(again.json, sale.json, 'a retry gets the first answer');
  await lane.call('DELETE', `/v1/baskets/${b}`, { headers: key('lane1-sale-0001'), expect: 422 });
  const receipt = sale.json.receipt_no;
  await lane.call('GET', `/v1/sales/${receipt}`, { expect: 200 });
  await lane.call('GET', `/v1/sales/${receipt}/receipt`, { expect: 200 });
  await lane.call('POST', `/v1/sales/${receipt}/reprint`, { headers: key('reprint-1'), expect: 200 });
  await lane.call('GET', '/v1/sales/999', { expect: 404 });
  // One pen back, by receipt; a second basket sold and voided; a third cancelled.
  await lane.call('POST', '/v1/returns', { body: { receipt_no: receipt, lines: [{ line: 1, qty: 1 }] }, headers: key('return-1'), expect: 201 });
  await lane.call('POST', '/v1/returns', { body: { receipt_no: receipt, lines: [{ line: 1, qty: 9 }] }, expect: 422 });
  await lane.call('POST', '/v1/returns', { body: { lines: [{ sku: 'PEN-BLUE', qty: 1, amount: 100 }], tender: 'cash' }, headers: S, expect: 201 });
  // An exchange: the coffee back (credit 7.19) for a loaf (2.89); 4.30 goes back to the customer.
  const bx = (await lane.call('POST', '/v1/baskets', { expect: 201 })).json.id;
  await lane.call('POST', `/v1/baskets/${bx}/lines`, { body: { code: 'BREAD' }, expect: 200 });
  await lane.call('PUT', `/v1/baskets/${bx}/returns`, { body: { receipt_no: receipt, lines: [{ line: 3, qty: 1 }] }, expect: 200 });
  await lane.call('PUT', `/v1/baskets/${bx}/returns`, { body: { receipt_no: receipt, lines: [{ line: 3, qty: 2 }] }, expect: 422 });
  await lane.call('DELETE', `/v1/baskets/${bx}/returns`, { expect: 200 });
  await lane.call('DELETE', `/v1/baskets/${bx}/returns`, { expect: 404 });
  await lane.call('PUT', `/v1/baskets/${bx}/returns`, { body: { receipt_no: receipt, lines: [{ line: 3, qty: 1 }] }, expect: 200 });
  await lane.call('POST', `/v1/baskets/${bx}/complete`, { headers: key('exchange-1'), expect: 200 });
  const b2 = (await lane.call('POST', '/v1/baskets', { expect: 201 })).json.id;
  await lane.call('POST', `/v1/baskets/${b2}/complete`, { expect: 409 });
  await lane.call('POST', `/v1/baskets/${b2}/lines`, { body: { code: 'BREAD' }, expect: 200 });
  await lane.call('POST', `/v1/baskets/${b2}/tenders`, { body: { type: 'cash', amount: 500 }, expect: 200 });
  const sale2 = await lane.call('POST', `/v1/baskets/${b2}/complete`, { expect: 200 });
  await lane.call('POST', `/v1/sales/${sale2.json.receipt_no}/void`, { expect: 403 });
  await lane.call('POST', `/v1/sales/${sale2.json.receipt_no}/void`, { headers: S, expect: 200 });
  await lane.call('POST', `/v1/sales/${sale2.json.receipt_no}/void`, { headers: S, expect: 409 });
  const b3 = (await lane.call('POST', '/v1/baskets', { expect: 201 })).json.id;
  await lane.call('POST', `/v1/baskets/${b3}/lines`, { body: { code: 'CHOC-DARK' }, expect: 200 });
  await lane.call('DELETE', `/v1/baskets/${b3}`, { expect: 200 });
  // Stock: a count below the threshold raises an alert.
  await lane.call('GET', '/v1/stock/BREAD', { expect: 200 });
  await lane.call('GET', '/v1/stock/NO-SUCH-SKU', { expect: 404 });
  await lane.call('POST', '/v1/stock/movements', { body: { sku: 'BREAD', type: 'count', qty: 3 }, headers: key('count-1'), expect: 201 });
  await lane.call('POST', '/v1/stock/movements', { body: { sku: 'BREAD', type: 'adjust', qty: 2, reason: 'found in the back' }, expect: 201 });
  await lane.call('POST', '/v1/stock/movements', { body: { sku: 'BREAD', type: 'shrink', qty: 1 }, valid: false, expect: 400 });
  await lane.call('GET', '/v1/low-stock', { expect: 200 });
  await lane.call('GET', '/v1/hq/quarantine', { expect: 200 });
  // The drawer, and the day: X, then Z (a supervisor's), then the closures.
  await lane.call('POST', '/v1/drawer/open', { expect: 403 });
  await lane.call('POST', '/v1/drawer/open', { headers: S, expect: 200 });
  await lane.call('GET', '/v1/reports/x', { expect: 200 });
  await lane.call('POST', '/v1/reports/z', { expect: 403 });
  await lane.call('POST', '/v1/reports/z', { headers: { ...S, ...key('z-1') }, expect: 201 });
  await lane.call('GET', '/v1/reports/closures', { expect: 200 });
  await lane.call('POST', '/v1/reports/closures', { token: SUPERVISOR, expect: 200 });
  // A till: opened with a float, a paid out, a blind-or-not look, closed with a count.
  await lane.call('POST', '/v1/tills', { body: { till: 'T1', float: { 2000: 2 } }, headers: key('till-1'), expect: 201 });
  await lane.call('POST', '/v1/tills', { body: { till: 'T1', float: { 3000: 1 } }, expect: 422 });
  await lane.call('GET', '/v1/tills/T1', { expect: 200 });
  await lane.call('POST', '/v1/tills/T1/movements', { body: { type: 'paid_out', amount: 500 }, expect: 201 });
  await lane.call('POST', '/v1/tills/T1/movements', { body: { type: 'drop', amount: 999999 }, expect: 409 });
  await lane.call('POST', '/v1/tills/T1/close', { body: { counted: { 2000: 1, 1000: 1, 500: 1 } }, expect: 201 });
  await lane.call('POST', '/v1/tills/T1/close', { body: { counted: { 2000: 1 } }, expect: 409 });
  await lane.call('GET', '/v1/tills/T1', { expect: 409 });
  // An operator signs on, locks the lane, opens it again and signs off.
  await lane.call('GET', '/v1/operator', { expect: 200 });
  await lane.call('POST', '/v1/operator/sign-on', { body: { operator: 'ann', pin: '0000' }, expect: 403 });
  await lane.call('POST', '/v1/operator/sign-on', { body: { operator: 'nobody', pin: '0000' }, expect: 404 });
  await lane.call('POST', '/v1/operator/sign-on', { body: { operator: 'ann', pin: '4711' }, expect: 200 });
  await lane.call('GET', '/v1/operator', { expect: 200 });
  await lane.call('POST', '/v1/operator/lock', { expect: 200 });
  await lane.call('POST', '/v1/baskets', { expect: 409 });
  await lane.call('POST', '/v1/operator/unlock', { body: { pin: '2580' }, expect: 403 });
  await lane.call('POST', '/v1/operator/unlock', { body: { pin: '4711' }, expect: 200 });
  await lane.call('POST', '/v1/operator/unlock', { body: { pin: '4711' }, expect: 409 });
  await lane.call('POST', '/v1/operator/sign-off', { expect: 200 });
  await lane.call('POST', '/v1/operator/sign-off', { expect: 409 });
  // Bodies the node refuses before any operation sees them.
  await lane.call('POST', '/v1/baskets', { raw: '{"a":', expect: 400 });
  await lane.call('POST', '/v1/stock/movements', { raw: '{"sku":"BREAD","sku":"MILK-1L","type":"receive","qty":1}', expect: 400 });
  await lane.call('POST', '/v1/stock/movements', { raw: 'sku=BREAD', type: 'application/x-www-form-urlencoded', expect: 415 });
  await lane.call('POST', '/v1/stock/movements', { raw: JSON.stringify({ sku: 'BREAD', type: 'receive', qty: 1, note: 'x'.repeat(70 * 1024) }), expect: 413 });
}

test('every answer of a day at the lane is what docs/openapi.yaml says', { timeout: 120000 }, async () => {
  const contract = new Contract(loadDocument(documentFile));
  const store = await Store.start();
  try {
    const lane = new CheckedClient(store.url, contract, CASHIER);
    try {
      await walkTheDay(lane);
    } finally {
      if (process.env.POSD_CONTRACT_DUMP) writeFileSync(process.env.POSD_CONTRACT_DUMP, JSON.stringify(lane.exchanges, null, 1));
    }
    assert.deepEqual(lane.problems, [], 'drift between posd and docs/openapi.yaml');
    // Every operation of the document was walked (the WebSocket only as far as its 426).
    assert.deepEqual(lane.unreached(), [], 'operations the walk did not reach');
  } finally {
    await store.stop();
  }
});

test('the contract check catches an answer that drifts from the document', async () => {
  const contract = new Contract(loadDocument(documentFile));
  const store = await Store.start();
  try {
    const lane = new CheckedClient(store.url, contract, CASHIER);
    const b = (await lane.call('POST', '/v1/baskets', { expect: 201 })).json.id;
    const r = await lane.call('POST', `/v1/baskets/${b}/lines`, { body: { code: 'COFFEE-500' }, expect: 200 });
    assert.deepEqual(lane.problems, []);
    const request = { method: 'POST', path: `/v1/baskets/${b}/lines`, body: { code: 'COFFEE-500' } };
    const answer = (body, status = 200, contentType = 'application/json') => ({ status, contentType, body: JSON.stringify(body) });
    const broken = (what, body, status, type) => {
      const problems = contract.check(request, answer(body, status, type));
      assert.notDeepEqual(problems, [], `${what} passed the check`);
      return problems;
    };
    const basket = r.json;
    broken('a total sent as a string', { ...basket, total: String(basket.total) });
    broken('a field the document does not name', { ...basket, loyalty_points: 12 });
    const { total, ...noTotal } = basket;
    broken('a basket without its total', noTotal);
    broken('a line whose qty is fractional', { ...basket, lines: [{ ...basket.lines[0], qty: 1.5 }] });
    broken('an undocumented status', basket, 202);
    broken('an undocumented content type', basket, 200, 'text/plain');
    broken('an error code the document does not list', { error: { code: 'oops', message: 'x' } }, 409);
    assert.deepEqual(contract.check({ method: 'GET', path: '/v1/nowhere' }, answer({}))[0].includes('no such operation'), true);
    // A query parameter the document does not name, or of the wrong type.
    assert.notDeepEqual(contract.check({ method: 'GET', path: '/v1/status?verbose=1' }, answer({})), []);
    // A request the document does not allow is caught too.
    assert.notDeepEqual(contract.check({ ...request, body: { code: 5 } }, answer(basket)), []);
  } finally {
    await store.stop();
  }
});

test('a client generated from the document type-checks against a script that uses it', { timeout: 120000 }, () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'posd-client-'));
  try {
    execFileSync(path.join(tools, 'openapi-typescript'), [documentFile, '-o', path.join(dir, 'posd-api.d.ts')], { stdio: 'pipe' });
    writeFileSync(path.join(dir, 'lane.ts'), `
import type { paths, components } from './posd-api';
type Basket = components['schemas']['Basket'];
type AddLine = paths['/v1/baskets/{id}/lines']['post']['requestBody'] extends infer B
  ? B extends { content: { 'application/json': infer J } } ? J : never : never;
type Sale = paths['/v1/baskets/{id}/complete']['post']['responses'][200]['content']['application/json'];
type Failure = components['schemas']['Error'];

async function post<T>(url: string, body?: unknown): Promise<T> {
  const r = await fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body ?? {}) });
  if (!r.ok) { const f = (await r.json()) as Failure; throw new Error(f.error.code + ': ' + f.error.message); }
  return (await r.json()) as T;
}

export async function sellAPen(base: string): Promise<number> {
  const basket = await post<Basket>(base + '/v1/baskets');
  const line: AddLine = { code: '4006381333931', qty: 1 };
  const priced = await post<Basket>(base + '/v1/baskets/' + basket.id + '/lines', line);
  const due: number = priced.due;
  await post<Basket>(base + '/v1/baskets/' + basket.id + '/tenders', { type: 'cash', amount: due });
  const sale = await post<Sale>(base + '/v1/baskets/' + basket.id + '/complete');
  const receiptNo: number = sale.receipt_no;
  return receiptNo;
}
`);
    execFileSync(path.join(tools, 'tsc'), ['--noEmit', '--strict', '--target', 'es2022', '--module', 'es2022',
      '--moduleResolution', 'bundler', '--lib', 'es2022,dom', path.join(dir, 'lane.ts')], { stdio: 'pipe' });
  } catch (e) {
    throw new Error(`${e.message}\n${e.stdout || ''}${e.stderr || ''}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
