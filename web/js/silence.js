// Silencing a firing alert from the page (the Alerts view and the machine page): a "Silence…" button on the
// alert's row opens a form (how long, and why: the hub requires a reason) in a slot below; submitting it posts
// to /api/silences. Offered to admins of the private hub only: never on the public edge.

import * as api from './api.js';
import { esc } from './format.js';
import { canWrite } from './session.js';

/** True when this page may offer silencing: an admin, on the private hub (the live snapshot says which). */
export function canSilence(store) {
  return canWrite() && store.received && !store.readOnly;
}

/** The button for one alert's row. */
export function silenceButton(a) {
  return `<button type="button" class="silence-open" data-rule="${esc(a.rule)}" data-machine="${esc(a.machine)}">Silence…</button>`;
}

function form(rule, machine) {
  return `<form class="silence-form"><b>Silence ${esc(rule)} on ${esc(machine)}</b>
    <label>for <select name="for"><option value="1h">1 hour</option><option value="4h">4 hours</option>
      <option value="1d">1 day</option></select></label>
    <label>because <input name="reason" required maxlength="500" placeholder="e.g. planned upgrade"></label>
    <button type="submit">Silence</button> <button type="button" class="cancel">Cancel</button>
    <span class="note muted"></span></form>`;
}

/** Wires the buttons under `root` to a form in `slot`; `done()` runs after a silence is made. */
export function wireSilencing(root, slot, done) {
  root.addEventListener('click', (e) => {
    const open = e.target.closest('.silence-open');
    if (open) {
      slot.innerHTML = form(open.dataset.rule, open.dataset.machine);
      Object.assign(slot.firstElementChild.dataset, { rule: open.dataset.rule, machine: open.dataset.machine });
      slot.querySelector('input[name=reason]').focus();
    } else if (e.target.closest('.silence-form .cancel')) {
      slot.innerHTML = '';
    }
  });
  root.addEventListener('submit', async (e) => {
    const f = e.target.closest('.silence-form');
    if (!f) return;
    e.preventDefault();
    const data = new FormData(f);
    try {
      await api.addSilence({ rule: f.dataset.rule, machine: f.dataset.machine, for: data.get('for'), reason: data.get('reason') });
      slot.innerHTML = `<p class="muted silence-done">Silenced ${esc(f.dataset.rule)} on ${esc(f.dataset.machine)} for ${esc(data.get('for'))}.</p>`;
      done?.();
    } catch (err) {
      f.querySelector('.note').textContent = err.message;
    }
  });
}
