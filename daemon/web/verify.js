// Checks a receipt's code in the browser with the store's public key alone
// (docs/journal.md, "Signed receipts"): the Ed25519 signature over
// SHA-256("posd receipt\n" + everything before ":<signature>"), by WebCrypto.
const $ = (id) => document.getElementById(id);
const enc = new TextEncoder();

// The code as printed: 40-column lines joined, white space dropped.
export function readCode(text) {
  const code = text.replace(/\s+/g, '');
  const bad = 'not a receipt code: it reads posd1:STORE:RECEIPT:SEQ:DAY:TOTAL:CURRENCY:SIGNATURE';
  if (!code.startsWith('posd1:')) throw new Error(bad);
  const parts = code.slice(6).split(':');
  if (parts.length < 7) throw new Error(bad);
  const n = parts.length;
  const c = {
    store: parts.slice(0, n - 6).join(':'), receipt: parts[n - 6], seq: parts[n - 5], day: parts[n - 4],
    total: parts[n - 3], currency: parts[n - 2], signature: parts[n - 1],
  };
  // Numbers as posd writes them, so that the text checked is the text signed.
  const number = /^(0|[1-9]\d{0,17})$/;
  if (!c.store || !number.test(c.receipt) || !number.test(c.seq) || !/^(0|-?[1-9]\d{0,17})$/.test(c.total)) throw new Error(bad);
  if (!/^[0-9a-f]{128}$/.test(c.signature)) throw new Error('not a receipt code: its signature is 128 lower-case hex digits');
  c.signed = code.slice(0, code.length - c.signature.length - 1);
  return c;
}

function pemToDer(pem) {
  const body = pem.replace(/-----(BEGIN|END) PUBLIC KEY-----/g, '').replace(/\s+/g, '');
  if (!body) throw new Error('no public key: paste the store\'s key (PEM)');
  const bin = atob(body);
  return Uint8Array.from(bin, (ch) => ch.charCodeAt(0));
}

const hexBytes = (hex) => Uint8Array.from(hex.match(/../g), (h) => parseInt(h, 16));

function money(minor) {
  const neg = minor.startsWith('-');
  const digits = (neg ? minor.slice(1) : minor).padStart(3, '0');
  return (neg ? '-' : '') + digits.slice(0, -2) + '.' + digits.slice(-2);
}

// → {ok, text}
export async function check(codeText, pem) {
  let c, key;
  try {
    c = readCode(codeText);
  } catch (e) {
    return { ok: false, text: e.message };
  }
  try {
    key = await crypto.subtle.importKey('spki', pemToDer(pem), { name: 'Ed25519' }, false, ['verify']);
  } catch (e) {
    return { ok: false, text: 'the public key cannot be read: ' + e.message };
  }
  const digest = await crypto.subtle.digest('SHA-256', enc.encode('posd receipt\n' + c.signed));
  const good = await crypto.subtle.verify({ name: 'Ed25519' }, key, hexBytes(c.signature), digest);
  if (!good) return { ok: false, text: 'NOT valid: the signature is not the store key\'s: the receipt was altered, or it is another store\'s' };
  return {
    ok: true,
    text: `Valid: receipt ${c.receipt} of store ${c.store}, total ${money(c.total)} ${c.currency}, day ${c.day}, journal seq ${c.seq}`,
  };
}

async function show() {
  const r = await check($('code').value, $('pubkey').value);
  $('result').textContent = r.text;
  $('result').className = 'verify-result ' + (r.ok ? 'good' : 'bad');
}

$('verify-form').addEventListener('submit', (e) => { e.preventDefault(); show(); });
$('code').addEventListener('keydown', (e) => { if (e.key === 'Enter' && !e.shiftKey) { e.preventDefault(); show(); } });
const fromUrl = new URLSearchParams(location.search).get('code');
if (fromUrl) $('code').value = fromUrl;
fetch('/v1/store/public-key').then((r) => (r.ok ? r.text() : '')).then((pem) => {
  if (!$('pubkey').value) $('pubkey').value = pem;
  if (fromUrl && pem) show();
}).catch(() => {});
