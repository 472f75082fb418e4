// How fast the browser lane answers a cashier, in Debian's chromium against a
// real posd process (opt-in: node bench/lane_bench.mjs, after a build):
//   - first load of the lane: the bytes of its files and the time to a usable
//     sign-in form; a reload (every file revalidated, 304s);
//   - scan to line on screen: Enter in the scan field until the new row is
//     drawn, for N scans (POSD_BENCH_SCANS, 300 by default), as percentiles.
import { launch } from '../tests/web/browser.mjs';
import { Store, CASHIER } from '../tests/web/store.mjs';

const scans = Number(process.env.POSD_BENCH_SCANS || 300);
const browser = await launch();
const store = await Store.start();
const page = await browser.newPage();
let bytes = 0;
page.on('response', (r) => { bytes += Number(r.headers()['content-length'] || 0); });

let t = performance.now();
await page.goto(store.url + '/');
await page.waitForSelector('#token');
const firstLoad = performance.now() - t;
const firstBytes = bytes;
t = performance.now();
await page.reload();
await page.waitForSelector('#token');
const reload = performance.now() - t;

await page.fill('#token', CASHIER);
await page.keyboard.press('Enter');
await page.waitForSelector('#lane:not([hidden])');
// Measured inside the page: from the Enter keydown to the new row in the DOM
// (the lane's own work: the API call, the answer, the redraw), free of the
// test driver's round trips.
await page.evaluate(() => {
  window.latencies = [];
  let t0 = 0;
  document.addEventListener('keydown', (e) => { if (e.key === 'Enter') t0 = performance.now(); }, true);
  const body = document.querySelector('#lines tbody');
  let rows = 0;
  new MutationObserver(() => {
    const n = body.rows.length;
    if (n > rows && t0) { window.latencies.push(performance.now() - t0); t0 = 0; }
    rows = n;
  }).observe(body, { childList: true });
});
const codes = ['4006381333931', '8712345670016', '8712345670023', '8712345670030', 'COFFEE-500'];
for (let i = 0; i < scans; i++) {
  if (i > 0 && i % 50 === 0) {  // a basket of 50 lines, then the next customer
    await page.keyboard.press('Shift+Delete');
    await page.waitForSelector('dialog button.primary');
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => document.querySelectorAll('#lines tbody tr').length === 0);
  }
  const before = await page.locator('#lines tbody tr').count();
  await page.keyboard.type(codes[i % codes.length]);
  await page.keyboard.press('Enter');
  await page.waitForFunction((n) => document.querySelectorAll('#lines tbody tr').length === n, before + 1, { polling: 10 });
}
const ms = await page.evaluate(() => window.latencies);
ms.sort((a, b) => a - b);
const pct = (p) => ms[Math.min(ms.length - 1, Math.floor(ms.length * p))].toFixed(1);
console.log(`lane first load: ${(firstBytes / 1024).toFixed(1)} KiB in ${firstLoad.toFixed(0)} ms; reload (304s): ${reload.toFixed(0)} ms`);
console.log(`scan to line on screen, ${ms.length} of ${scans} scans measured: p50 ${pct(0.5)} ms, p90 ${pct(0.9)} ms, p99 ${pct(0.99)} ms, max ${ms[ms.length - 1].toFixed(1)} ms`);
await browser.close();
await store.stop();
