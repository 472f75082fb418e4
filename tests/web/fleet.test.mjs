// The fleet dashboard in Debian's chromium against a real chain: Mosquitto,
// posd-hq and two posd stores as processes. Sign-in needs an HQ token; the
// stores show worst first with their alerts; a sale moves a SKU's
// availability live through the feed; a price shows its delivery. The
// screenshot goes to POSD_SCREENSHOTS.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { launch } from './browser.mjs';
import { Fleet, VIEWER } from './fleet.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const shots = process.env.POSD_SCREENSHOTS || path.resolve(here, '../../build/screenshots');
let browser, fleet, page;
const refusedByPolicy = [];

before(async () => {
  browser = await launch();
  fleet = await Fleet.start(['S1', 'S2']);
  mkdirSync(shots, { recursive: true });
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.on('pageerror', (e) => { throw e; });
  page.on('console', (m) => { if (m.text().includes('Content Security Policy')) refusedByPolicy.push(m.text()); });
});

after(async () => {
  if (browser) await browser.close();
  if (fleet) await fleet.stop();
});

async function waitText(sel, want) {
  await page.waitForFunction(([s, w]) => {
    const e = document.querySelector(s);
    return e && e.innerText.includes(w);
  }, [sel, want], { timeout: 15000 });
}
const rowsOf = (sel) => page.$$eval(sel + ' tbody tr', (trs) => trs.map((tr) => [...tr.cells].map((c) => c.innerText.trim())));

test('the dashboard needs an HQ token: a wrong one is refused and nothing is shown', async () => {
  await page.goto(fleet.url + '/');
  await page.fill('#token', 'not-a-token-of-this-hq');
  await page.keyboard.press('Enter');
  await waitText('#signin-error', 'not known');
  assert.equal(await page.isVisible('#board'), false);
  const feed = await fetch(fleet.url + '/v1/stores');
  assert.equal(feed.status, 401);
});

test('signed in: both stores online, a sale moves availability live, an offline store rises to the top with its alert', async () => {
  await page.fill('#token', VIEWER);
  await page.keyboard.press('Enter');
  await waitText('#fleet-summary', '2 stores · 2 online');
  await waitText('#feed', 'feed: live');
  await page.fill('#sku', 'BREAD');
  await page.keyboard.press('Enter');
  await waitText('#sku-total', '80 available in 2 stores');
  // A sale at S1: the feed's stock row updates the figure without a reload.
  await fleet.sell('S1', 'BREAD');
  await waitText('#sku-total', '79 available in 2 stores');
  await waitText('#feed-list', 'S1: BREAD now 39 on hand');
  // S2 goes away: after --alert-after (2 s) it is an alert, listed first.
  await fleet.stopStore('S2');
  await waitText('#fleet-summary', '1 with alerts');
  const rows = await rowsOf('#store-list');
  assert.equal(rows[0][0], 'S2');
  assert.equal(rows[0][1], 'offline');
  assert.match(rows[0][6], /offline: no contact for/);
  assert.equal(rows[1][0], 'S1');
  assert.equal(rows[1][6], '');
});

test('a price published through the API shows applied at the store that is online and pending at the one away', async () => {
  const r = await fleet.hqApi('POST', '/v1/prices', undefined, { prices: [{ sku: 'BREAD', price: 275 }] });
  assert.equal(r.status, 202);
  await page.waitForFunction((id) => {
    const row = [...document.querySelectorAll('#change-list tbody tr')].find((tr) => tr.cells[0].innerText === String(id));
    return row && row.cells[3].innerText === '1' && row.cells[4].innerText === '1';
  }, r.json.change_id, { timeout: 20000 });
  await waitText('#feed-list', 'S1: price');
  await page.screenshot({ path: path.join(shots, 'fleet.png'), fullPage: true });
  assert.deepEqual(refusedByPolicy, []);
});
