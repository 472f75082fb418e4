// The lane's actions, each on a key: paying (cash with a keypad, card with
// the payment terminal's approval and last four digits, split tenders),
// completing (retried with the same Idempotency-Key, so a sale is never
// counted twice), line changes, manual discounts, exchanges, suspend/resume,
// look-up, receipts, returns, operators signing on, locking the lane and
// taking it over, and the supervisor's actions (a supervisor's token asked
// for in place). Reasons are asked for when the store has codes for them.

import { ApiError, el, money, parseMoney, weight, newKey } from './api.js';
import { ask, tell, keypad, supervisorToken } from './ui.js';

export function actions(lane) {
  const api = () => lane.api;
  const m = (x) => lane.money(x);
  const digits = () => lane.digits;

  // Runs fn(token) with a supervisor's approval: none needed for a supervisor's
  // terminal; otherwise the token is asked for now and used for this one request.
  async function supervised(what, fn) {
    if (lane.me.role === 'supervisor' || lane.me.role === 'manager') return fn(undefined);
    const token = await supervisorToken(what);
    if (!token) return null;
    return fn(token);
  }

  // The store's reason codes for `use` as a select field, or none when the store has none for it.
  function reasonField(use) {
    const codes = (lane.reasons && lane.reasons[use]) || [];
    if (!codes.length) return [];
    return [{ name: 'reason', label: 'Reason', type: 'select', value: codes[0].code, options: codes.map((c) => [c.code, c.label]) }];
  }
  const withReason = (body, v) => (v && v.reason ? { ...body, reason: v.reason } : body);

  function needBasket() {
    if (!lane.basket || !lane.basket.lines.length) throw new ApiError(0, 'empty_basket', 'the basket is empty');
    return lane.basket;
  }

  function needLine() {
    const l = lane.selectedLine();
    if (!l) throw new ApiError(0, 'line_not_found', 'select a line with the arrow keys first');
    return l;
  }

  async function askReceiptNo(title) {
    const v = await ask({ title, fields: [{ name: 'n', label: 'Receipt number', inputmode: 'numeric', value: lane.lastReceipt ?? '' }],
      extra: () => (x) => (/^\d{1,9}$/.test(x.n) ? null : 'The receipt number printed on the receipt, e.g. 42') });
    return v ? Number(v.n) : null;
  }

  // --- paying ----------------------------------------------------------------
  async function tender(body) {
    const b = needBasket();
    lane.show(await api().post(`/v1/baskets/${b.id}/tenders`, body));
    if (lane.basket.due === 0) await complete();
  }

  async function complete() {
    const b = lane.basket;
    if (!lane.pending || lane.pending.basket !== b.id) lane.pending = { basket: b.id, key: newKey() };
    for (;;) {
      try {
        const sale = await api().post(`/v1/baskets/${b.id}/complete`, null, { key: lane.pending.key });
        lane.pending = null;
        return finished(sale);
      } catch (e) {
        if (!(e instanceof ApiError) || (e.code !== 'unreachable' && e.code !== 'request_in_progress')) throw e;
        const again = await tell('Sale NOT confirmed',
          'The node did not answer, so this sale is not confirmed: do not treat it as paid yet. ' +
          'Press Enter to try again; trying again never counts the sale twice.', { submit: 'Try again (Enter)', cancel: 'Later (Esc)' });
        if (!again) throw new ApiError(0, 'unreachable', 'the sale is not confirmed: pay again with F2 to retry');
      }
    }
  }

  async function finished(sale) {
    lane.lastReceipt = sale.receipt_no;
    lane.selected = -1;
    lane.show(null);
    // The original comes with the sale; fetching it again would be a
    // journaled copy marked DUPLICATE.
    const text = sale.receipt || '';
    const body = el('div', { class: 'finished' },
      el('p', { class: 'change-label', text: sale.change ? 'Change due' : 'Paid' }),
      el('p', { class: 'change', id: 'change', text: m(sale.change) }),
      el('p', { class: 'receipt-no', text: `Receipt ${sale.receipt_no} · total ${m(sale.total)}` }),
      sale.exchange && sale.exchange.refund_due
        ? el('p', { class: 'refund-due', id: 'refund-due', text: `Give back ${m(sale.exchange.refund_due)}: ` +
            sale.exchange.tenders.filter((t) => t.type !== 'exchange').map((t) => `${t.type} ${m(t.amount)}`).join(', ') })
        : null,
      el('pre', { class: 'receipt', id: 'receipt', text }));
    await tell('Sale complete', body, { wide: true, submit: 'Next customer (Enter)' });
    lane.info(`Sale ${sale.receipt_no} complete. Change given: ${m(sale.change)}.`);
  }

  async function payCash() {
    const b = needBasket();
    if (b.due === 0 && (b.tenders.length || b.returned)) return complete();  // paid, or paid by what came back
    const d = digits();
    const unit = 10 ** d;
    const quick = [['Exact', money(b.due, d)]];
    for (const note of [5, 10, 20, 50, 100]) {
      const v = Math.ceil(b.due / (note * unit)) * note * unit;
      if (v > b.due && !quick.some(([, q]) => q === money(v, d))) quick.push([money(v, d), money(v, d)]);
      if (quick.length >= 5) break;
    }
    const v = await ask({
      title: `Cash — due ${m(b.due)}`,
      fields: [{ name: 'amount', label: 'Amount handed over', value: money(b.due, d), inputmode: 'decimal' }],
      submit: 'Take cash (Enter)',
      extra: (form, inputs) => {
        form.append(keypad(inputs.amount, quick));
        return (x) => (parseMoney(x.amount, d) > 0 ? null : `An amount such as ${money(b.due, d)}`);
      },
    });
    if (v) await tender({ type: 'cash', amount: parseMoney(v.amount, d) });
  }

  async function payCard() {
    const b = needBasket();
    if (b.due === 0 && b.tenders.length) return complete();
    const d = digits();
    const v = await ask({
      title: `Card — due ${m(b.due)}`,
      fields: [
        { type: 'info', value: 'Take the payment on the card terminal, then type what it shows.' },
        { name: 'amount', label: 'Amount approved', value: money(b.due, d), inputmode: 'decimal' },
        { name: 'ref', label: 'Approval reference' },
        { name: 'last4', label: 'Last four digits of the card', inputmode: 'numeric' },
      ],
      submit: 'Record card payment (Enter)',
      extra: () => (x) => {
        const a = parseMoney(x.amount, d);
        if (!(a > 0)) return 'The approved amount, e.g. ' + money(b.due, d);
        if (a > b.due) return 'A card pays at most what is due (' + m(b.due) + ').';
        if (!x.ref) return 'The approval reference from the card terminal.';
        if (!/^\d{4}$/.test(x.last4)) return 'Only the last four digits of the card: never the whole number.';
        return null;
      },
    });
    if (v) await tender({ type: 'card', amount: parseMoney(v.amount, d), approval_ref: v.ref, masked_pan: '************' + v.last4 });
  }

  // --- lines and baskets -------------------------------------------------------
  async function quantity() {
    const b = needBasket();
    const l = needLine();
    const kg = l.unit === 'kg';
    const v = await ask({ title: `Quantity — ${l.name}`,
      fields: [{ name: 'n', label: kg ? 'Weight in grams' : 'Quantity', value: String(kg ? l.weight_g : l.qty), inputmode: 'numeric' }],
      extra: () => (x) => (/^\d{1,6}$/.test(x.n) && Number(x.n) > 0 ? null : kg ? 'Whole grams, e.g. 1250' : 'A whole number from 1') });
    if (v) lane.show(await api().patch(`/v1/baskets/${b.id}/lines/${l.line}`, kg ? { weight_g: Number(v.n) } : { qty: Number(v.n) }));
  }

  async function removeLine() {
    const b = needBasket();
    const l = needLine();
    lane.show(await api().del(`/v1/baskets/${b.id}/lines/${l.line}`));
  }

  async function priceOverride() {
    const b = needBasket();
    const l = needLine();
    const d = digits();
    const v = await ask({ title: `Price override — ${l.name}`,
      fields: [{ name: 'p', label: `New price${l.unit === 'kg' ? ' per kg' : ''} (now ${m(l.unit_price)})`, inputmode: 'decimal' }, ...reasonField('price_override')],
      extra: () => (x) => (parseMoney(x.p, d) !== null ? null : 'A price such as 1.99') });
    if (!v) return;
    await supervised('A price override', async (token) =>
      lane.show(await api().patch(`/v1/baskets/${b.id}/lines/${l.line}`, withReason({ price: parseMoney(v.p, d) }, v), { supervisor: token })));
  }

  // A manual discount on the selected line or the whole basket: "10%" or an
  // amount; above the role's limit, a supervisor approves.
  async function discount() {
    const b = needBasket();
    const sel = needLine();
    const d = digits();
    const v = await ask({ title: 'Discount',
      fields: [{ name: 'on', label: 'On', type: 'select', value: 'line', options: [['line', `line ${sel.line}: ${sel.name}`], ['basket', 'the whole basket']] },
        { name: 'off', label: 'Discount: a percentage (10%) or an amount (1.50)', inputmode: 'decimal' }, ...reasonField('manual_discount')],
      extra: () => (x) => (/^\d{1,3}(\.\d{1,2})?%$/.test(x.off) || parseMoney(x.off, d) > 0 ? null : 'Such as 10% or 1.50') });
    if (!v) return;
    const l = v.on === 'line' ? sel : null;
    const given = v.off.endsWith('%') ? { percent_bp: Math.round(Number(v.off.slice(0, -1)) * 100) } : { amount: parseMoney(v.off, d) };
    if (v.reason) given.reason = v.reason;
    const send = (token) => (l ? api().patch(`/v1/baskets/${b.id}/lines/${l.line}`, { discount: given }, { supervisor: token })
      : api().put(`/v1/baskets/${b.id}/discount`, given, { supervisor: token }));
    try {
      lane.show(await send(undefined));
    } catch (e) {
      if (!(e instanceof ApiError) || e.code !== 'discount_over_limit') throw e;
      const r = await supervised('A discount above your limit', (token) => send(token));
      if (r) lane.show(r);
    }
  }

  // An exchange: lines the customer brings back from a receipt, in this basket.
  async function exchange() {
    const b = needBasket();
    const n = await askReceiptNo('Exchange: what comes back, by receipt');
    if (n === null) return;
    const sale = await api().get(`/v1/sales/${n}`);
    const fields = [{ type: 'info', value: `Receipt ${n}: how many of each line come back? Their value pays for this basket.` }];
    for (const x of sale.lines) fields.push({ name: 'l' + x.line, label: `${x.line}. ${x.name} (${x.unit === 'kg' ? weight(x.weight_g) : x.qty + ' sold'})`, value: '0', inputmode: 'numeric' });
    const v = await ask({ title: `Exchange — receipt ${n}`, fields: [...fields, ...reasonField('return')], wide: true, submit: 'Bring back (Enter)',
      extra: () => (x) => (sale.lines.some((y) => Number(x['l' + y.line]) > 0) ? null : 'Enter what comes back on at least one line') });
    if (!v) return;
    const body = withReason({ receipt_no: n, lines: [] }, v);
    for (const x of sale.lines) {
      const q = Number(v['l' + x.line]);
      if (q > 0) body.lines.push(x.unit === 'kg' ? { line: x.line, weight_g: q } : { line: x.line, qty: q });
    }
    lane.show(await api().put(`/v1/baskets/${b.id}/returns`, body));
    lane.info(`Brought back: ${m(lane.basket.returned.credit)}${lane.basket.refund_due ? `; ${m(lane.basket.refund_due)} goes back to the customer` : ''}.`);
  }

  // --- the till -------------------------------------------------------------------
  // A count by denomination, one field a note or coin (largest first).
  function countFields() {
    return (lane.me.denominations || []).map((d) => ({ name: 'd' + d, label: m(d), value: '0', inputmode: 'numeric' }));
  }
  function counted(v) {
    const out = {};
    for (const d of lane.me.denominations || []) if (Number(v['d' + d]) > 0) out[String(d)] = Number(v['d' + d]);
    return out;
  }
  const wholeCounts = (x) => ((lane.me.denominations || []).every((d) => /^\d{1,6}$/.test(x['d' + d])) ? null : 'Whole numbers of each note and coin');

  // F1: the lane's till — open it with a float, move cash by hand, or close it with a count.
  async function till() {
    await lane.refreshMe();
    const open = lane.me.till;
    if (!open) {
      const v = await ask({ title: 'Open the till: count the float', wide: true,
        fields: [{ name: 'till', label: 'Till', value: 'T-' + lane.me.terminal }, ...countFields()], submit: 'Open till (Enter)',
        extra: () => (x) => (!/^[A-Za-z0-9._-]{1,32}$/.test(x.till) ? 'A till id such as T1' : wholeCounts(x)) });
      if (!v) return;
      const t = await api().post('/v1/tills', { till: v.till, float: counted(v) });
      await lane.refreshMe();
      return lane.info(`Till ${t.till} open with a float of ${m(t.float)}.`);
    }
    const v = await ask({ title: `Till ${open}`, fields: [{ name: 'what', label: 'What', type: 'select', value: 'paid_out', options: [
      ['paid_out', 'Paid out'], ['paid_in', 'Paid in'], ['drop', 'Drop into the safe'], ['pickup', 'Pickup'], ['loan', 'Loan of change'], ['close', 'Close: count the till']] }] });
    if (!v) return;
    if (v.what === 'close') return closeTill(open);
    const d = digits();
    const use = v.what === 'paid_out' || v.what === 'paid_in' ? v.what : null;
    const w = await ask({ title: `Till ${open}: ${v.what.replace('_', ' ')}`,
      fields: [{ name: 'amount', label: 'Amount', inputmode: 'decimal' }, ...(use ? reasonField(use) : [])],
      extra: () => (x) => (parseMoney(x.amount, d) > 0 ? null : 'An amount such as 20.00') });
    if (!w) return;
    const r = await api().post(`/v1/tills/${open}/movements`, withReason({ type: v.what, amount: parseMoney(w.amount, d) }, w));
    lane.info(`Till ${open}: ${r.type.replace('_', ' ')} ${m(r.amount)} recorded.`);
  }

  async function closeTill(open) {
    const v = await ask({ title: `Close till ${open}: count the drawer`, wide: true, fields: countFields(), submit: 'Close till (Enter)',
      extra: () => wholeCounts });
    if (!v) return;
    const r = await api().post(`/v1/tills/${open}/close`, { counted: counted(v) });
    await lane.refreshMe();
    const over = r.over_short === 0 ? 'exact' : r.over_short > 0 ? `over ${m(r.over_short)}` : `short ${m(-r.over_short)}`;
    const dl = el('dl', { class: 'item', id: 'till-result' });
    for (const [k, val] of [['Expected', m(r.expected)], ['Counted', m(r.counted_total)], ['Over / short', over]]) dl.append(el('dt', { text: k }), el('dd', { text: val }));
    await tell(`Till ${open} closed`, dl);
    lane.info(`Till ${open} closed: ${over}.`);
  }

  // --- operators ------------------------------------------------------------------
  async function signOnOperator() {
    const v = await ask({ title: 'Operator sign-on', fields: [{ name: 'operator', label: 'Operator' }, { name: 'pin', label: 'PIN', type: 'password', inputmode: 'numeric' }],
      submit: 'Sign on (Enter)', extra: () => (x) => (!x.operator ? 'Your operator id' : /^\d{4,8}$/.test(x.pin) ? null : 'Your PIN: 4 to 8 digits') });
    if (!v) return;
    const s = await api().post('/v1/operator/sign-on', { operator: v.operator, pin: v.pin });
    await lane.refreshMe();
    lane.info(`${s.name} signed on (${s.role}).`);
  }

  async function signOffOperator() {
    await api().post('/v1/operator/sign-off');
    await lane.refreshMe();
    lane.info('Operator signed off.');
  }

  // Signs an operator on, or the one signed on off.
  async function operator() {
    if (!lane.me.operator) return signOnOperator();
    const ok = await tell(`Sign ${lane.me.operator} off?`, 'Another operator takes the lane over by locking it (Shift+F5) and signing on.',
      { submit: 'Sign off (Enter)', cancel: 'Stay (Esc)' });
    if (ok) await signOffOperator();
  }

  // Locks the lane; it opens to its operator's PIN, or another operator signs on and takes it over.
  async function lockLane() {
    const s = await api().post('/v1/operator/lock');
    lane.info(`Lane locked by ${s.operator}.`);
    for (;;) {
      const v = await ask({ title: `Lane locked by ${s.name}`, fields: [
        { type: 'info', value: `${s.name}: your PIN opens it. Another operator: your id and PIN take the lane over.` },
        { name: 'operator', label: 'Operator', value: s.operator }, { name: 'pin', label: 'PIN', type: 'password', inputmode: 'numeric' }],
      submit: 'Open (Enter)', cancel: null, extra: () => (x) => (/^\d{4,8}$/.test(x.pin) ? null : 'A PIN: 4 to 8 digits') });
      try {
        if (v.operator === s.operator) await api().post('/v1/operator/unlock', { pin: v.pin });
        else await api().post('/v1/operator/sign-on', { operator: v.operator, pin: v.pin });
        await lane.refreshMe();
        lane.info(v.operator === s.operator ? 'Lane unlocked.' : `${v.operator} took the lane over.`);
        return;
      } catch (e) {
        if (!(e instanceof ApiError)) throw e;
        await tell('Not opened', e.message);
      }
    }
  }

  async function cancelBasket() {
    const b = needBasket();
    const ok = await tell('Cancel this basket?', `All ${b.lines.length} lines go; the cancel is recorded.`, { submit: 'Cancel basket (Enter)', cancel: 'Keep it (Esc)' });
    if (!ok) return;
    await api().del(`/v1/baskets/${b.id}`);
    lane.show(null);
    lane.info('Basket cancelled.');
  }

  async function suspend() {
    const b = needBasket();
    await api().post(`/v1/baskets/${b.id}/suspend`);
    lane.show(null);
    lane.info('Basket parked: any lane resumes it with F8.');
  }

  async function resume() {
    if (lane.basket && lane.basket.lines.length) throw new ApiError(0, 'basket_open', 'finish or park (F7) the basket on the lane first');
    const parked = (await api().get('/v1/baskets')).baskets.filter((b) => b.state === 'suspended');
    if (!parked.length) return lane.info('No basket is parked.');
    const list = el('ol', { class: 'parked' });
    for (const b of parked) list.append(el('li', { text: `${b.lines.length} lines, ${m(b.total)} — parked at ${b.terminal}` }));
    const v = await ask({ title: 'Resume a parked basket', fields: [{ type: 'info', node: list }, { name: 'n', label: 'Number in the list', value: '1', inputmode: 'numeric' }],
      extra: () => (x) => (Number(x.n) >= 1 && Number(x.n) <= parked.length ? null : `1 to ${parked.length}`) });
    if (!v) return;
    lane.show(await api().post(`/v1/baskets/${parked[Number(v.n) - 1].id}/resume`));
  }

  async function lookUp() {
    const v = await ask({ title: 'Look up an item', fields: [{ name: 'code', label: 'Barcode or SKU' }],
      extra: () => (x) => (x.code ? null : 'Scan or type a code') });
    if (!v) return;
    const it = await api().get('/v1/items/' + encodeURIComponent(v.code));
    const per = it.unit === 'kg' ? '/kg' : '';
    const stock = it.unit === 'kg' ? weight(it.on_hand) : String(it.on_hand);
    const dl = el('dl', { class: 'item', id: 'item' });
    for (const [k, val] of [['Item', it.name], ['SKU', it.sku], ['Price', m(it.unit_price) + per], ['On hand', stock],
      ['Low-stock level', String(it.low_stock)], ['Barcodes', (it.gtins || []).join(', ') || '—'], ['Age restricted', it.age_restricted ? 'yes' : 'no']]) {
      dl.append(el('dt', { text: k }), el('dd', { text: val }));
    }
    await tell(it.name, dl);
  }

  // --- receipts, returns, supervisor actions ------------------------------------
  async function receipt() {
    const n = await askReceiptNo('Show a receipt');
    if (n === null) return;
    const text = await api().get(`/v1/sales/${n}/receipt`);
    const again = await tell(`Receipt ${n}`, el('pre', { class: 'receipt', text }), { wide: true, submit: 'Reprint (Enter)', cancel: 'Close (Esc)' });
    if (!again) return;
    await api().post(`/v1/sales/${n}/reprint`);
    lane.info(`Receipt ${n} reprinted as a numbered duplicate.`);
  }

  async function returnItems() {
    const n = await askReceiptNo('Return by receipt');
    if (n === null) return;
    const sale = await api().get(`/v1/sales/${n}`);
    if (sale.status === 'voided') throw new ApiError(409, 'sale_voided', 'sale ' + n + ' was voided');
    const fields = [{ type: 'info', value: `Receipt ${n} of ${sale.business_day}, total ${m(sale.total)}. How many of each line come back?` }];
    for (const l of sale.lines) {
      const sold = l.unit === 'kg' ? weight(l.weight_g) : `${l.qty} sold`;
      fields.push({ name: 'l' + l.line, label: `${l.line}. ${l.name} (${sold}, ${m(l.amount - l.discount)})${l.unit === 'kg' ? ' — grams' : ''}`, value: '0', inputmode: 'numeric' });
    }
    fields.push(...reasonField('return'));
    fields.push({ name: 'tender', label: 'Refund to', type: 'select', value: '',
      options: [['', 'as paid (card, then voucher, then cash)'], ['cash', 'cash (supervisor if not paid so)'], ['card', 'card'], ['voucher', 'voucher']] });
    const v = await ask({ title: `Return — receipt ${n}`, fields, wide: true, submit: 'Refund (Enter)',
      extra: () => (x) => {
        const any = sale.lines.some((l) => Number(x['l' + l.line]) > 0);
        const bad = sale.lines.some((l) => !/^\d{1,6}$/.test(x['l' + l.line]));
        return bad ? 'Whole numbers only (0 for a line that stays)' : any ? null : 'Enter what comes back on at least one line';
      } });
    if (!v) return;
    const body = withReason({ receipt_no: n, lines: [] }, v);
    for (const l of sale.lines) {
      const q = Number(v['l' + l.line]);
      if (q > 0) body.lines.push(l.unit === 'kg' ? { line: l.line, weight_g: q } : { line: l.line, qty: q });
    }
    if (v.tender) body.tender = v.tender;
    let r;
    try {
      r = await api().post('/v1/returns', body);
    } catch (e) {
      if (!(e instanceof ApiError) || e.code !== 'supervisor_required') throw e;
      r = await supervised('Refunding to another tender', (token) => api().post('/v1/returns', body, { supervisor: token }));
      if (!r) return;
    }
    await refunded(r);
  }

  async function refunded(r) {
    const list = el('ul', { class: 'refund' });
    for (const t of r.tenders) list.append(el('li', { text: `${t.type}: ${m(t.amount)}` }));
    await tell(`Return ${r.return_no}: refund ${m(r.refund)}`, el('div', {}, el('p', { class: 'change', id: 'refund', text: m(r.refund) }), list));
    lane.info(`Return ${r.return_no} recorded: ${m(r.refund)} refunded.`);
  }

  async function refundNoReceipt() {
    const d = digits();
    const v = await ask({ title: 'Refund without a receipt', fields: [
      { name: 'code', label: 'Barcode or SKU' },
      { name: 'qty', label: 'Quantity (grams for items sold by weight)', value: '1', inputmode: 'numeric' },
      { name: 'amount', label: 'Amount to refund', inputmode: 'decimal' },
      { name: 'tender', label: 'Refund in', type: 'select', value: 'cash', options: [['cash', 'cash'], ['card', 'card'], ['voucher', 'voucher']] }],
    extra: () => (x) => (!x.code ? 'The item\'s code' : !/^\d{1,6}$/.test(x.qty) || Number(x.qty) < 1 ? 'A whole quantity' : parseMoney(x.amount, d) > 0 ? null : 'The amount, e.g. 1.99') });
    if (!v) return;
    const it = await api().get('/v1/items/' + encodeURIComponent(v.code));
    const line = { sku: it.sku, amount: parseMoney(v.amount, d) };
    line[it.unit === 'kg' ? 'weight_g' : 'qty'] = Number(v.qty);
    const r = await supervised('A refund without a receipt', (token) => api().post('/v1/returns', { tender: v.tender, lines: [line] }, { supervisor: token }));
    if (r) await refunded(r);
  }

  // The reason for `use`, asked when the store has codes for it; {} when it has none, null when cancelled.
  async function askReason(use, title) {
    const f = reasonField(use);
    if (!f.length) return {};
    const v = await ask({ title, fields: f });
    return v ? { reason: v.reason } : null;
  }

  async function voidSale() {
    const n = await askReceiptNo('Void a sale');
    if (n === null) return;
    const why = await askReason('void', `Why is sale ${n} voided?`);
    if (!why) return;
    const r = await supervised(`Voiding sale ${n}`, (token) => api().post(`/v1/sales/${n}/void`, why.reason ? why : null, { supervisor: token }));
    if (r) lane.info(`Sale ${n} voided.`);
  }

  async function noSale() {
    const why = await askReason('no_sale', 'Why open the drawer?');
    if (!why) return;
    const r = await supervised('Opening the drawer with no sale', (token) => api().post('/v1/drawer/open', why.reason ? why : null, { supervisor: token }));
    if (r) lane.info('Drawer opened (no sale, recorded).');
  }

  return [
    { key: 'F1', label: 'Till', run: till },
    { key: 'F2', label: 'Cash', run: payCash },
    { key: 'F3', label: 'Card', run: payCard },
    { key: 'F4', label: 'Quantity', run: quantity },
    { key: 'Del', label: 'Remove line', run: removeLine },
    { key: 'F7', label: 'Park basket', run: suspend },
    { key: 'F8', label: 'Resume', run: resume },
    { key: 'F5', label: 'Discount', run: discount },
    { key: 'F9', label: 'Look up', run: lookUp },
    { key: 'F10', label: 'Return', run: returnItems },
    { key: 'Shift+F2', label: 'Receipt / reprint', run: receipt },
    { key: 'Shift+Del', label: 'Cancel basket', run: cancelBasket },
    { key: 'Shift+F3', label: 'Price override', run: priceOverride, supervisor: true },
    { key: 'Shift+F4', label: 'Void sale', run: voidSale, supervisor: true },
    { key: 'Shift+F8', label: 'No sale', run: noSale, supervisor: true },
    { key: 'Shift+F10', label: 'Refund, no receipt', run: refundNoReceipt, supervisor: true },
    { key: 'Shift+F7', label: 'Exchange', run: exchange },
    { key: 'Shift+F1', label: 'Operator on / off', run: operator },
    { key: 'Shift+F5', label: 'Lock lane', run: lockLane },
    { key: 'Shift+F9', label: 'Sign out', run: async () => lane.signOut() },
  ];
}
