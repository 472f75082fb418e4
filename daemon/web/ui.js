// Dialogs for a keyboard-only lane: a modal <dialog> with a form; Enter
// submits, Escape cancels, the first field has the focus. Each returns a
// Promise of the values (or null when cancelled).

import { el } from './api.js';

let openCount = 0;
export function dialogOpen() { return openCount > 0; }
// Who takes the focus back when the last dialog has closed (the lane's scan field).
let home = () => {};
export function focusHomeAfterDialogs(fn) { home = fn; }

// fields: [{name, label, type ('text'|'password'|'number'|'select'|'info'),
//           value, options: [[value, label]], inputmode, pattern, required}]
// extra(form): may add nodes (a keypad, a table) and return a check(values)
// that answers an error text or null.
export function ask({ title, fields = [], submit = 'OK (Enter)', cancel = 'Cancel (Esc)', extra = null, wide = false }) {
  return new Promise((resolve) => {
    const error = el('p', { class: 'dialog-error', role: 'alert' });
    const form = el('form', { class: 'dialog-form', novalidate: true });
    form.append(el('h2', { text: title }));
    const inputs = {};
    for (const f of fields) {
      if (f.type === 'info') {
        form.append(f.node || el('p', { class: 'info', text: f.value }));
        continue;
      }
      let input;
      if (f.type === 'select') {
        input = el('select', { name: f.name, id: 'f-' + f.name });
        for (const [v, label] of f.options) input.append(el('option', { value: v, text: label, selected: v === f.value }));
        // Enter on a choice submits, as on a text field: the lane is driven by the keyboard.
        input.addEventListener('keydown', (e) => {
          if (e.key !== 'Enter') return;
          e.preventDefault();
          input.form.requestSubmit();
        });
      } else {
        input = el('input', {
          name: f.name, id: 'f-' + f.name, type: f.type || 'text', value: f.value ?? '', autocomplete: 'off',
          inputmode: f.inputmode, spellcheck: 'false',
        });
      }
      inputs[f.name] = input;
      form.append(el('label', { for: 'f-' + f.name, text: f.label }), input);
    }
    const check = extra ? extra(form, inputs) : null;
    form.append(error);
    const buttons = el('div', { class: 'dialog-buttons' });
    const ok = el('button', { type: 'submit', class: 'primary', text: submit });
    buttons.append(ok);
    if (cancel) buttons.append(el('button', { type: 'button', text: cancel, onclick: () => close(null) }));
    form.append(buttons);
    const dlg = el('dialog', { class: wide ? 'wide' : '' }, form);
    document.body.append(dlg);
    openCount++;
    const close = (v) => {
      if (!dlg.open) return;
      dlg.close();  // gives the focus back to where it was (the scan field)
      openCount--;
      // A dialog opened and closed by keys typed faster than it appeared can
      // leave the field looking focused while keystrokes go nowhere: blur it,
      // and the page focuses it afresh once this key is handled.
      if (document.activeElement && document.activeElement !== document.body) document.activeElement.blur();
      // Dialogs in a row (a price, then the supervisor's token) hand the focus
      // back to nothing: the last one gives it home at once, not when the
      // node's answer comes, so the next scan's first keys are not lost.
      setTimeout(() => {
        dlg.remove();
        if (!openCount) home();
      }, 0);
      resolve(v);
    };
    dlg.addEventListener('cancel', (e) => { e.preventDefault(); close(null); });
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      const values = {};
      for (const [k, i] of Object.entries(inputs)) values[k] = i.value.trim();
      const why = check ? check(values) : null;
      if (why) {
        error.textContent = why;
        return;
      }
      close(values);
    });
    dlg.showModal();
    const first = form.querySelector('input, select');
    (first || ok).focus();
    if (first && first.select) first.select();
  });
}

// A message the cashier confirms with Enter.
export function tell(title, body, { wide = false, submit = 'OK (Enter)', cancel = null } = {}) {
  const node = typeof body === 'string' ? el('p', { class: 'info', text: body }) : body;
  return ask({ title, fields: [{ type: 'info', node }], submit, cancel, wide });
}

// A supervisor's approval, asked for in place (nothing is kept): their
// token, or their operator id and PIN. The token, or {id, pin}.
export async function supervisorToken(what) {
  const v = await ask({
    title: 'Supervisor approval',
    fields: [
      { type: 'info', value: what + ' needs a supervisor. Supervisor: scan your card or type your token — or your operator id and PIN.' },
      { name: 'token', label: 'Supervisor token', type: 'password' },
      { name: 'op', label: 'or operator id' },
      { name: 'pin', label: 'and PIN', type: 'password', inputmode: 'numeric' },
    ],
    submit: 'Approve (Enter)',
    extra: () => (vals) => {
      if (vals.token) return null;
      if (vals.op) return /^\d{4,8}$/.test(vals.pin) ? null : 'The operator\'s PIN: 4 to 8 digits.';
      return 'Enter the supervisor token, or an operator id and PIN, or press Esc.';
    },
  });
  if (!v) return null;
  return v.token ? v.token : { id: v.op, pin: v.pin };
}

// A numeric keypad under `input` (for touch; typing works as well).
export function keypad(input, extraKeys = []) {
  const pad = el('div', { class: 'keypad' });
  const press = (k) => {
    if (k === '⌫') input.value = input.value.slice(0, -1);
    else input.value += k;
    input.focus();
  };
  for (const k of ['7', '8', '9', '4', '5', '6', '1', '2', '3', '0', '.', '⌫']) {
    pad.append(el('button', { type: 'button', tabindex: '-1', text: k, onclick: () => press(k) }));
  }
  for (const [label, value] of extraKeys) {
    pad.append(el('button', { type: 'button', tabindex: '-1', class: 'quick', text: label, onclick: () => { input.value = value; input.focus(); } }));
  }
  return pad;
}
