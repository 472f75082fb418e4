// A price posted to HQ's API until the store's own API answers it (opt-in:
// node bench/price_bench.mjs, after a build): a real Mosquitto, posd-hq and
// one real posd store on loopback (tests/web/fleet.mjs). Each round posts a
// new price for BREAD (POST /v1/prices) and reads the store's GET
// /v1/items/BREAD every 2 ms until it shows it: N rounds (POSD_BENCH_PRICES,
// 200 by default), 100-200 ms apart, as percentiles.
import { Fleet } from '../tests/web/fleet.mjs';

const rounds = Number(process.env.POSD_BENCH_PRICES || 200);
const fleet = await Fleet.start(['S1']);
const pct = (v, p) => v.slice().sort((a, b) => a - b)[Math.min(v.length - 1, Math.floor((p / 100) * v.length))];
const took = [];
try {
  for (let i = 1; i <= rounds; ++i) {
    const price = 200 + i;
    const t0 = performance.now();
    const r = await fleet.hqApi('POST', '/v1/prices', undefined, { prices: [{ sku: 'BREAD', price }] });
    if (r.status !== 202) throw new Error('POST /v1/prices: ' + r.status + ' ' + JSON.stringify(r.json));
    for (;;) {
      const item = await fleet.store('S1', 'GET', '/v1/items/BREAD');
      if (item.json.unit_price === price) break;
      if (performance.now() - t0 > 10000) throw new Error(`price ${price} not at the store after 10 s`);
      await new Promise((res) => setTimeout(res, 2));
    }
    took.push(performance.now() - t0);
    await new Promise((res) => setTimeout(res, 100 + Math.random() * 100));
  }
  console.log(`price_bench: ${rounds} prices, POST /v1/prices at HQ -> GET /v1/items at the store: ` +
    `p50 ${pct(took, 50).toFixed(1)} ms p99 ${pct(took, 99).toFixed(1)} ms max ${pct(took, 100).toFixed(1)} ms`);
} finally {
  await fleet.stop();
}
