// Redocly CLI's recommended rules on posd's API documents (docs/redocly.yaml):
// the suite fails on any error or warning; what a rule cannot fit is in
// docs/.redocly.lint-ignore.yaml, each with its reason.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const redocly = path.join(here, 'node_modules/.bin/redocly');
if (!existsSync(redocly)) {
  console.log('skipped: tests/web/node_modules lacks @redocly/cli (scripts/install-deps)');
  process.exit(77);
}
const docs = path.resolve(here, '../../docs');
const env = { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' };
const run = (api, format) => spawnSync(redocly, ['lint', api, '--config', 'redocly.yaml', `--format=${format}`],
  { cwd: docs, encoding: 'utf8', env });
let failed = false;
for (const api of ['posd', 'posd-hq']) {  // the apis of docs/redocly.yaml
  const r = run(api, 'json');
  let totals;
  try { totals = JSON.parse(r.stdout).totals; } catch { totals = undefined; }
  if (r.status !== 0 || !totals || totals.errors + totals.warnings > 0) {
    console.log(run(api, 'stylish').stdout, r.stderr);
    console.error(`openapi_lint: ${api}: ${totals ? `${totals.errors} error(s), ${totals.warnings} warning(s)` : 'no report'}, redocly exit ${r.status}`);
    failed = true;
  }
}
if (failed) process.exit(1);
console.log(`openapi_lint: docs/openapi.yaml and docs/hq-openapi.yaml pass Redocly's recommended rules`);
