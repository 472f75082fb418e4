// A real posd store for the browser tests: the demo catalog in a fresh SQLite
// file, a posd process on a free port, a TCP scanner and a TCP printer the
// test holds the other end of. Binaries come from POSD_BIN (build/bin).
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));  // import.meta.dirname needs Node 20.11

const bin = process.env.POSD_BIN || path.resolve(here, '../../build/bin');
const catalog = path.resolve(here, '../../scripts/demo-catalog.json');

export const CASHIER = 'lane-1-browser-token-0001';
export const SUPERVISOR = 'office-browser-token-0001';

// A port for posd below the kernel's ephemeral range: the tests stop and start
// posd on it, and a port from listen(0) could be taken meanwhile by an outgoing
// connection (the browser's own, reconnecting).
export async function freePort() {
  let low = 32768;
  try { low = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').split(/\s+/)[0]) || low; } catch { /* not Linux */ }
  for (let attempt = 0; attempt < 200; ++attempt) {
    const port = 10000 + Math.floor(Math.random() * (low - 10000));
    const free = await new Promise((resolve) => {
      const s = net.createServer();
      s.once('error', () => resolve(false));
      s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
    });
    if (free) return port;
  }
  throw new Error('no unused loopback port below the ephemeral range');
}

// Waits until f() is true, or throws after ms.
export async function until(what, f, ms = 10000) {
  const end = Date.now() + ms;
  for (;;) {
    try { if (await f()) return; } catch (e) { /* not yet */ }
    if (Date.now() > end) throw new Error('timed out waiting for ' + what);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export class Store {
  static async start() {
    const s = new Store();
    s.dir = mkdtempSync(path.join(os.tmpdir(), 'posd-web-'));
    s.db = path.join(s.dir, 'posd.db');
    s.port = await freePort();
    s.scannerPort = await freePort();
    s.plainScannerPort = await freePort();  // a scanner whose scans the lane adds itself
    // The printer: a TCP port that takes whatever posd sends.
    s.printed = [];
    s.printer = net.createServer((c) => c.on('data', (d) => s.printed.push(d)));
    await new Promise((r) => s.printer.listen(0, '127.0.0.1', r));
    s.config = path.join(s.dir, 'posd.json');
    writeFileSync(s.config, JSON.stringify({
      store_id: 'DEMO-001', database: s.db, listen: `127.0.0.1:${s.port}`, log_level: 'warn', plain_http: true,
      terminals: [{ id: 'lane-1', token: CASHIER, role: 'cashier' }, { id: 'office', token: SUPERVISOR, role: 'supervisor' }],
      scanners: [{ id: 'lane-1-scanner', terminal: 'lane-1', type: 'tcp', listen: `127.0.0.1:${s.scannerPort}`, into_basket: true },
        { id: 'lane-1-handheld', terminal: 'lane-1', type: 'tcp', listen: `127.0.0.1:${s.plainScannerPort}`, into_basket: false }],
      printers: [{ id: 'lane-1-printer', terminal: 'lane-1', type: 'tcp', address: `127.0.0.1:${s.printer.address().port}` }],
      reason_codes: { manual_discount: [{ code: 'STAFF', label: 'Staff discount' }, { code: 'DAMAGED', label: 'Damaged' }] },
      blind_close: true,
    }));
    execFileSync(path.join(bin, 'posctl'), ['catalog', 'import', '--db', s.db, '--store', 'DEMO-001', catalog]);
    for (const sku of ['PEN-BLUE', 'MILK-1L', 'BREAD', 'COFFEE-500', 'CHOC-DARK']) {
      execFileSync(path.join(bin, 'posctl'), ['stock', 'receive', '--db', s.db, '--sku', sku, '--qty', sku === 'CHOC-DARK' ? '2' : '40']);
    }
    // Operators: ann (cashier, PIN 4711) and sam (supervisor, 2580), the PIN on standard input.
    for (const [id, role, pin] of [['ann', 'cashier', '4711'], ['sam', 'supervisor', '2580']]) {
      execFileSync(path.join(bin, 'posctl'), ['operator', 'add', '--db', s.db, '--id', id, '--name', id, '--role', role], { input: pin + '\n' });
    }
    await s.run();
    return s;
  }

  get url() { return `http://127.0.0.1:${this.port}`; }

  async run() {
    this.proc = spawn(path.join(bin, 'posd'), ['--config', this.config], { stdio: ['ignore', 'inherit', 'inherit'] });
    await until('posd to answer', async () => (await fetch(this.url + '/healthz')).ok);
  }

  async kill() {
    if (!this.proc) return;
    const p = this.proc;
    this.proc = null;
    const gone = new Promise((r) => p.once('exit', r));
    p.kill('SIGTERM');
    await gone;
  }

  // A scan from one of the node's TCP scanners (as a network scanner would
  // send it): the one that puts scans into the basket, or (plain) the one
  // that only reports them to the lane.
  async scan(code, { plain = false } = {}) {
    const port = plain ? this.plainScannerPort : this.scannerPort;
    await until('the scanner port', () => new Promise((resolve) => {
      const c = net.connect(port, '127.0.0.1', () => c.end(code + '\r\n', () => resolve(true)));
      c.on('error', () => resolve(false));
    }));
  }

  // The API, as a terminal (for checks behind the browser's back).
  async api(method, p, token = SUPERVISOR, body) {
    const headers = { Authorization: 'Bearer ' + token };
    if (body) headers['Content-Type'] = 'application/json';  // fetch would say text/plain: posd answers 415
    const r = await fetch(this.url + p, { method, headers, body: body && JSON.stringify(body) });
    return { status: r.status, json: await r.json() };
  }

  async stop() {
    await this.kill();
    this.printer.close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
