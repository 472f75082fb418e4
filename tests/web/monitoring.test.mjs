// The operators' dashboards and alerting rules (monitoring/): the Grafana
// dashboards type-check against Grafana's own dashboard schema
// (@grafana/schema, the model Grafana loads), every PromQL expression of the
// dashboards parses (promtool), and every metric the dashboards and rules
// read is one a real posd or posd-hq serves at /metrics. promtool's own
// checks and unit tests of the rules run as prometheus_rules.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, rmSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Store, CASHIER } from './store.mjs';
import { Fleet } from './fleet.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const monitoring = path.resolve(here, '../../monitoring');
const tsc = path.join(here, 'node_modules/.bin/tsc');
const promtool = [process.env.PROMTOOL, '/usr/bin/promtool', '/usr/local/bin/promtool'].find((p) => p && existsSync(p));
if (!existsSync(tsc) || !existsSync(path.join(here, 'node_modules/@grafana/schema')) || !promtool) {
  console.log('skipped: typescript, @grafana/schema (tests/web) or promtool (Debian prometheus) is missing; scripts/install-deps');
  process.exit(77);
}

const boards = { store: 'posd-store.json', hq: 'posd-hq.json' };
const rules = { store: 'prometheus/posd.rules.yml', hq: 'prometheus/posd-hq.rules.yml' };
const load = (file) => JSON.parse(readFileSync(path.join(monitoring, 'grafana', file), 'utf8'));

function expressions(board) {
  const out = [];
  const walk = (panels) => {
    for (const p of panels || []) {
      for (const t of p.targets || []) out.push(t.expr);
      walk(p.panels);
    }
  };
  walk(board.panels);
  return out;
}

// The metric names an expression or a rules file reads.
const metricsIn = (text) => new Set((text.match(/\bposd_[a-z_]+/g) || []).map((m) => m.replace(/_(bucket|sum|count)$/, '')));

test('the Grafana dashboards are what Grafana\'s dashboard schema allows', { timeout: 120000 }, () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'posd-grafana-'));
  try {
    // JSON holds an enum's value ("value", "absolute"), never its TypeScript
    // name: each string enum of the schema is taken as the union of its values.
    const lines = ["import type { Dashboard } from '@grafana/schema';",
      'type Json<T> = T extends string ? `${T}` : T extends (infer U)[] ? Json<U>[] : T extends object ? { [K in keyof T]: Json<T[K]> } : T;'];
    for (const [name, file] of Object.entries(boards)) {
      const text = readFileSync(path.join(monitoring, 'grafana', file), 'utf8');
      lines.push(`export const ${name} = ${text.trim()} satisfies Json<Dashboard>;`);
    }
    writeFileSync(path.join(dir, 'boards.ts'), lines.join('\n') + '\n');
    writeFileSync(path.join(dir, 'tsconfig.json'), JSON.stringify({
      compilerOptions: { noEmit: true, strict: true, target: 'es2022', module: 'es2022', moduleResolution: 'bundler',
        skipLibCheck: true, baseUrl: '.', paths: { '@grafana/schema': [path.join(here, 'node_modules/@grafana/schema')] } },
      files: ['boards.ts'] }));
    execFileSync(tsc, ['-p', path.join(dir, 'tsconfig.json')], { stdio: 'pipe' });
  } catch (e) {
    throw new Error(`${e.message}\n${e.stdout || ''}${e.stderr || ''}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  for (const file of Object.values(boards)) {
    const b = load(file);
    const ids = new Set();
    for (const p of b.panels) {
      assert.ok(!ids.has(p.id), `${file}: panel id ${p.id} twice`);
      ids.add(p.id);
      assert.ok(p.gridPos.x + p.gridPos.w <= 24, `${file}: panel ${p.title} passes the grid's 24 columns`);
    }
    assert.ok(b.templating.list.some((v) => v.type === 'datasource'), `${file}: asks for its data source`);
  }
});

test('every query of the dashboards is PromQL that parses', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'posd-promql-'));
  try {
    const rulesYaml = ['groups:'];
    for (const [name, file] of Object.entries(boards)) {
      rulesYaml.push(`  - name: ${name}`, '    rules:');
      expressions(load(file)).forEach((e, i) => {
        const expr = e.replaceAll('$instance', '.*');
        rulesYaml.push(`      - record: posd:dashboard_${name}_${i}`, `        expr: ${JSON.stringify(expr)}`);
      });
    }
    writeFileSync(path.join(dir, 'dashboards.rules.yml'), rulesYaml.join('\n') + '\n');
    execFileSync(promtool, ['check', 'rules', path.join(dir, 'dashboards.rules.yml')], { stdio: 'pipe' });
  } catch (e) {
    throw new Error(`${e.message}\n${e.stdout || ''}${e.stderr || ''}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('every metric the dashboards and alerts read is served by posd or posd-hq', { timeout: 120000 }, async () => {
  const store = await Store.start();
  let storeMetrics;
  try {
    await fetch(store.url + '/v1/status', { headers: { Authorization: 'Bearer ' + CASHIER } });
    storeMetrics = await (await fetch(store.url + '/metrics', { headers: { Authorization: 'Bearer ' + CASHIER } })).text();
  } finally {
    await store.stop();
  }
  const fleet = await Fleet.start(['S1']);
  let hqMetrics;
  try {
    hqMetrics = await (await fetch(`http://127.0.0.1:${fleet.metricsPort}/metrics`)).text();
  } finally {
    await fleet.stop();
  }
  const served = (text, name) => new RegExp(`^${name}(_bucket|_sum|_count)?[{ ]`, 'm').test(text);
  const read = {
    store: new Set([...metricsIn(expressions(load(boards.store)).join('\n')), ...metricsIn(readFileSync(path.join(monitoring, rules.store), 'utf8'))]),
    hq: new Set([...metricsIn(expressions(load(boards.hq)).join('\n')), ...metricsIn(readFileSync(path.join(monitoring, rules.hq), 'utf8'))]),
  };
  assert.deepEqual([...read.store].filter((m) => !served(storeMetrics, m)), [], 'metrics posd does not serve');
  assert.deepEqual([...read.hq].filter((m) => !served(hqMetrics, m)), [], 'metrics posd-hq does not serve');
  assert.ok(read.store.size >= 10 && read.hq.size >= 10);
});
