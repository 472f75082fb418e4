// The contract test of HQ's API: a small chain (real Mosquitto, posd-hq, two
// posd stores; fleet.mjs) and every operation of docs/hq-openapi.yaml, each
// request and answer checked against the document (openapi_check.mjs).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Fleet, VIEWER, OPERATOR, LANE } from './fleet.mjs';
import { until } from './store.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
if (!['ajv', 'ajv-formats', 'yaml'].every((m) => existsSync(path.join(here, 'node_modules', m)))) {
  console.log('skipped: tests/web/node_modules lacks ajv or yaml (scripts/install-deps)');
  process.exit(77);
}
const { Contract, CheckedClient, loadDocument } = await import('./openapi_check.mjs');
const documentFile = path.resolve(here, '../../docs/hq-openapi.yaml');
const storeDocument = path.resolve(here, '../../docs/openapi.yaml');

async function walkHq(fleet, hq) {
  const viewer = { token: VIEWER };
  await hq.call('GET', '/healthz', { token: null, expect: 200 });
  await hq.call('GET', '/', { token: null, expect: 200 });
  await hq.call('GET', '/web/fleet.js', { token: null, expect: 200 });
  await hq.call('GET', '/web/nothing.js', { token: null, expect: 404 });
  await hq.call('GET', '/v1/stores', { ...viewer, expect: 200 });
  await hq.call('GET', '/v1/stores', { token: null, expect: 401 });
  await fleet.sell('S1', 'BREAD');
  await until('the sale at HQ', async () =>
    (await fleet.hqApi('GET', '/v1/availability/BREAD')).json.stores.some((s) => s.store_id === 'S1' && s.on_hand === 39), 20000);
  await hq.call('GET', '/v1/stores/S1', { ...viewer, expect: 200 });
  await hq.call('GET', '/v1/stores/S1?business_day=2026-02-30', { ...viewer, valid: false, expect: 400 });
  await hq.call('GET', '/v1/stores/S1?business_day=2026-12-01', { ...viewer, expect: 200 });
  await hq.call('GET', '/v1/stores/NOPE', { ...viewer, expect: 404 });
  await hq.call('GET', '/v1/availability/BREAD', { ...viewer, expect: 200 });
  await hq.call('GET', '/v1/availability/NO-SUCH-SKU', { ...viewer, expect: 200 });
  await hq.call('POST', '/v1/availability', { ...viewer, body: { skus: ['BREAD', 'MILK-1L'] }, expect: 200 });
  await hq.call('POST', '/v1/availability', { ...viewer, body: { skus: [] }, valid: false, expect: 400 });
  const price = await hq.call('POST', '/v1/prices', { body: { prices: [{ sku: 'BREAD', price: 275 }] }, expect: 202 });
  await hq.call('POST', '/v1/prices', { ...viewer, body: { prices: [{ sku: 'BREAD', price: 275 }] }, expect: 403 });
  await hq.call('POST', '/v1/prices', { body: { prices: [{ sku: 'NO-SUCH-SKU', price: 1 }] }, expect: 404 });
  await hq.call('POST', '/v1/prices', { body: { prices: [{ sku: 'BREAD', price: -1 }] }, valid: false, expect: 400 });
  await hq.call('POST', '/v1/prices', { raw: '{"prices": [', expect: 400 });
  await hq.call('POST', '/v1/prices', { raw: 'prices=1', type: 'text/plain', expect: 415 });
  await until('the price applied', async () =>
    (await fleet.hqApi('GET', `/v1/changes/${price.json.change_id}`)).json.summary.applied === 2, 20000);
  await hq.call('GET', `/v1/changes/${price.json.change_id}`, { ...viewer, expect: 200 });
  await hq.call('GET', '/v1/changes/999999', { ...viewer, expect: 404 });
  await hq.call('GET', '/v1/changes?limit=5', { ...viewer, expect: 200 });
  await hq.call('GET', '/v1/changes?limit=0', { ...viewer, valid: false, expect: 400 });
  await hq.call('POST', '/v1/catalog', { body: { stores: ['S2'], catalog: { tax_classes: [{ id: 'reduced', rate_bp: 550 }], items: [
    { sku: 'TEA-GREEN', name: 'Green tea', gtins: ['4006381333955'], price: 349, unit: 'each', tax_class: 'reduced' }] } }, expect: 202 });
  // A price S1 cannot apply (TEA-GREEN came in S2's catalog only): quarantined at S1, shown at HQ.
  const tea = await hq.call('POST', '/v1/prices', { body: { stores: ['S1'], prices: [{ sku: 'TEA-GREEN', price: 399 }] }, expect: 202 });
  await until('S1 to quarantine the price', async () =>
    (await fleet.hqApi('GET', `/v1/changes/${tea.json.change_id}`)).json.summary.quarantined === 1, 20000);
  await hq.call('GET', `/v1/changes/${tea.json.change_id}`, { ...viewer, expect: 200 });
  const rows = await hq.call('GET', '/v1/stores', { ...viewer, expect: 200 });
  assert.ok(rows.json.stores.find((r) => r.store_id === 'S1').alerts.some((a) => a.kind === 'quarantined'));
  await hq.call('POST', '/v1/stock-snapshots', { body: { store: 'S2', stock: [{ sku: 'MILK-1L', on_hand: 12 }] }, expect: 202 });
  await hq.call('POST', '/v1/stock-snapshots', { body: { store: 'NOPE', stock: [{ sku: 'MILK-1L', on_hand: 12 }] }, expect: 404 });
  await hq.call('POST', '/v1/reservations', { body: { store: 'S1', order_ref: 'W-1', sku: 'PEN-BLUE', qty: 2 }, expect: 202 });
  await hq.call('POST', '/v1/reservations', { body: { store: 'S1', order_ref: 'W-1', sku: 'PEN-BLUE', qty: 2 }, expect: 409 });
  await hq.call('POST', '/v1/reservations', { body: { store: 'S1', order_ref: 'W-2', lines: [{ sku: 'MILK-1L', qty: 1 }] }, expect: 202 });
  for (const ref of ['W-1', 'W-2']) {
    await until(`${ref} reserved`, async () => (await fleet.hqApi('GET', `/v1/reservations/${ref}`)).json.status === 'reserved', 20000);
  }
  await hq.call('GET', '/v1/reservations/W-1', { ...viewer, expect: 200 });
  await hq.call('GET', '/v1/reservations/NOPE', { ...viewer, expect: 404 });
  await hq.call('POST', '/v1/reservations/W-1/pick', { expect: 202 });
  await hq.call('POST', '/v1/reservations/W-1/pick', { expect: 409 });
  await hq.call('DELETE', '/v1/reservations/W-2', { expect: 202 });
  await hq.call('DELETE', '/v1/reservations/NOPE', { expect: 404 });
  await until('W-1 picked', async () => (await fleet.hqApi('GET', '/v1/reservations/W-1')).json.status === 'picked', 20000);
  await hq.call('GET', '/v1/reservations/W-1', { ...viewer, expect: 200 });
  const plain = await hq.call('GET', '/v1/feed', { ...viewer, expect: 426 });
  assert.equal(plain.headers.get('upgrade'), 'websocket', 'a 426 names the protocol to upgrade to');
}

test('every answer of HQ\'s API in a small chain is what docs/hq-openapi.yaml says', { timeout: 120000 }, async () => {
  const contract = new Contract(loadDocument(documentFile));
  const fleet = await Fleet.start(['S1', 'S2']);
  try {
    const hq = new CheckedClient(fleet.url, contract, OPERATOR);
    try {
      await walkHq(fleet, hq);
    } finally {
      if (process.env.POSD_CONTRACT_DUMP) writeFileSync(process.env.POSD_CONTRACT_DUMP, JSON.stringify(hq.exchanges, null, 1));
    }
    // The store's side of the same day, against docs/openapi.yaml: its status
    // with a configured HQ link, and the quarantined price.
    const s1 = new CheckedClient(`http://127.0.0.1:${fleet.stores.S1.port}`, new Contract(loadDocument(storeDocument)), LANE);
    const status = await s1.call('GET', '/v1/status', { expect: 200 });
    assert.equal(status.json.hq.configured, true);
    assert.equal(status.json.hq.link, 'up');
    const quarantine = await s1.call('GET', '/v1/hq/quarantine', { expect: 200 });
    assert.equal(quarantine.json.entries.length, 1);
    assert.deepEqual(s1.problems, [], 'drift between a linked posd and docs/openapi.yaml');
    assert.deepEqual(hq.problems, [], 'drift between posd-hq and docs/hq-openapi.yaml');
    assert.deepEqual(hq.unreached(), [], 'operations the walk did not reach');
  } finally {
    await fleet.stop();
  }
});
