// A small chain for the fleet dashboard's browser test: a real Mosquitto on
// loopback, posd-hq serving its API (plain HTTP) on a SQLite database, and
// two real posd stores with the demo catalog, linked to HQ over MQTT.
// Binaries come from POSD_BIN (build/bin).
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { freePort, until } from './store.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const bin = process.env.POSD_BIN || path.resolve(here, '../../build/bin');
const catalog = path.resolve(here, '../../scripts/demo-catalog.json');

export const VIEWER = 'fleet/viewer+token=0001';  // characters a WebSocket subprotocol may not hold
export const OPERATOR = 'fleet-operator-token-0001';
export const LANE = 'fleet-lane-token-0000001';  // each store's one terminal (a supervisor)

function stopped(p) {
  if (!p || p.exitCode !== null) return Promise.resolve();
  const gone = new Promise((r) => p.once('exit', r));
  p.kill('SIGTERM');
  return gone;
}

export class Fleet {
  static async start(storeIds) {
    const f = new Fleet();
    f.dir = mkdtempSync(path.join(os.tmpdir(), 'posd-fleet-'));
    f.brokerPort = await freePort();
    f.apiPort = await freePort();
    f.metricsPort = await freePort();
    f.hqDb = path.join(f.dir, 'hq.db');
    writeFileSync(path.join(f.dir, 'mosquitto.conf'),
      `listener ${f.brokerPort} 127.0.0.1\nallow_anonymous true\npersistence false\nmax_queued_messages 100000\n`);
    f.broker = spawn('mosquitto', ['-c', path.join(f.dir, 'mosquitto.conf')], { stdio: 'ignore' });
    writeFileSync(path.join(f.dir, 'tokens.json'), JSON.stringify({ tokens: [
      { name: 'dashboard', role: 'viewer', token: VIEWER }, { name: 'pricing', role: 'operator', token: OPERATOR }] }));
    f.stores = {};
    for (const id of storeIds) {
      const s = { id, db: path.join(f.dir, id + '.db'), port: await freePort(), config: path.join(f.dir, id + '.json') };
      execFileSync(path.join(bin, 'posctl'), ['catalog', 'import', '--db', s.db, '--store', id, catalog]);
      for (const sku of ['BREAD', 'MILK-1L', 'PEN-BLUE']) {
        execFileSync(path.join(bin, 'posctl'), ['stock', 'receive', '--db', s.db, '--sku', sku, '--qty', '40']);
      }
      writeFileSync(s.config, JSON.stringify({
        store_id: id, database: s.db, listen: `127.0.0.1:${s.port}`, log_level: 'warn', plain_http: true,
        terminals: [{ id: 'lane-1', token: LANE, role: 'supervisor' }],
        mqtt: { url: `tcp://127.0.0.1:${f.brokerPort}` },
      }));
      execFileSync(path.join(bin, 'posd-hq'), ['store', 'add', '--db', f.hqDb, '--store', id, '--pubkey', s.db + '.pub']);
      f.stores[id] = s;
    }
    await f.startHq();
    for (const id of storeIds) await f.startStore(id);
    return f;
  }

  get url() { return `http://127.0.0.1:${this.apiPort}`; }

  async startHq() {
    this.hq = spawn(path.join(bin, 'posd-hq'), ['serve', '--db', this.hqDb, '--url', `tcp://127.0.0.1:${this.brokerPort}`,
      '--api', `127.0.0.1:${this.apiPort}`, '--api-tokens', path.join(this.dir, 'tokens.json'), '--api-plain',
      '--metrics', `127.0.0.1:${this.metricsPort}`, '--alert-after', '2', '--log-level', 'warn'], { stdio: ['ignore', 'inherit', 'inherit'] });
    await until('posd-hq to answer', async () => (await fetch(this.url + '/healthz')).ok);
  }

  async startStore(id) {
    const s = this.stores[id];
    s.proc = spawn(path.join(bin, 'posd'), ['--config', s.config], { stdio: ['ignore', 'inherit', 'inherit'] });
    await until(`${id} to answer`, async () => (await fetch(`http://127.0.0.1:${s.port}/healthz`)).ok);
    await until(`${id}'s link to HQ`, async () => (await this.store(id, 'GET', '/v1/status')).json.hq.link === 'up', 20000);
  }

  async stopStore(id) { await stopped(this.stores[id].proc); }

  // The store's own API, as its lane.
  async store(id, method, p, body) {
    const headers = { Authorization: 'Bearer ' + LANE, 'Idempotency-Key': randomBytes(16).toString('hex') };
    if (body) headers['Content-Type'] = 'application/json';
    const r = await fetch(`http://127.0.0.1:${this.stores[id].port}${p}`, { method, headers, body: body && JSON.stringify(body) });
    return { status: r.status, json: await r.json() };
  }

  // A cash sale of one `code` at store `id`.
  async sell(id, code) {
    const basket = (await this.store(id, 'POST', '/v1/baskets')).json.id;
    await this.store(id, 'POST', `/v1/baskets/${basket}/lines`, { code });
    const due = (await this.store(id, 'GET', `/v1/baskets/${basket}`)).json.due;
    await this.store(id, 'POST', `/v1/baskets/${basket}/tenders`, { type: 'cash', amount: due });
    const done = await this.store(id, 'POST', `/v1/baskets/${basket}/complete`);
    if (done.status !== 200) throw new Error('the sale did not complete: ' + JSON.stringify(done.json));
  }

  // HQ's API.
  async hqApi(method, p, token = OPERATOR, body) {
    const headers = { Authorization: 'Bearer ' + token };
    if (body) headers['Content-Type'] = 'application/json';
    const r = await fetch(this.url + p, { method, headers, body: body && JSON.stringify(body) });
    return { status: r.status, json: await r.json() };
  }

  async stop() {
    for (const s of Object.values(this.stores || {})) await stopped(s.proc);
    await stopped(this.hq);
    await stopped(this.broker);
    rmSync(this.dir, { recursive: true, force: true });
  }
}
