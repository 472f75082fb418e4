// Debian's chromium, headless, driven by playwright-core. When no browser can
// be had, the tests skip with a clear message (exit code 77, which ctest shows
// as skipped) instead of passing.
import { existsSync } from 'node:fs';

export const CHROMIUM = process.env.POSD_CHROMIUM || '/usr/bin/chromium';

export async function launch() {
  const major = Number(process.versions.node.split('.')[0]);
  if (major < 20) skip(`playwright-core needs Node.js 20 or newer; this machine has ${process.version}`);
  let playwright;
  try {
    playwright = await import('playwright-core');
  } catch (e) {
    skip('playwright-core is not installed in tests/web (scripts/install-deps installs it with npm)');
  }
  if (!existsSync(CHROMIUM)) skip(`no browser at ${CHROMIUM} (scripts/install-deps installs Debian's chromium)`);
  return playwright.chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
      '--disable-sync', '--no-first-run', '--disable-quic'],
  });
}

function skip(why) {
  console.log('SKIPPED: browser tests: ' + why);
  process.exit(77);
}
