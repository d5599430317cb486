// Silencing and acknowledging a firing alert from the page (the Alerts view and the machine page): a "Silence…"
// button on the alert's row opens a form (how long, and why: the hub requires a reason) in a slot below;
// submitting it posts to /api/silences. "Acknowledge…" opens a form for an optional comment and posts to
// /api/acks: the alert's repeated notifications stop until it resolves. Offered to admins of the private hub
// only: never on the public edge, which shows only that an alert is acknowledged, not by whom.

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

/** "acknowledged by alice" (only "acknowledged" on the public edge); nothing when nobody has. */
export function ackBadge(a) {
  if (!a.acknowledged) return '';
  const by = a.acknowledged.by ? ` by ${esc(a.acknowledged.by)}` : '';
  const title = a.acknowledged.comment ? ` title="${esc(a.acknowledged.comment)}"` : '';
  return ` <span class="badge ack"${title}>acknowledged${by}</span>`;
}

/** The Acknowledge button of a firing alert nobody acknowledged yet. */
export function ackButton(a) {
  if (a.state !== 'firing' || a.acknowledged) return '';
  return `<button type="button" class="ack-open" data-rule="${esc(a.rule)}" data-machine="${esc(a.machine)}"
    data-series="${esc(a.series ?? '')}">Acknowledge…</button>`;
}

function ackForm(rule, machine) {
  return `<form class="ack-form"><b>Acknowledge ${esc(rule)} on ${esc(machine)}</b>
    <label>comment <input name="comment" maxlength="500" placeholder="e.g. looking into it"></label>
    <button type="submit">Acknowledge</button> <button type="button" class="cancel">Cancel</button>
    <span class="note muted"></span></form>`;
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
      return;
    }
    const ack = e.target.closest('.ack-open');
    if (ack) {
      slot.innerHTML = ackForm(ack.dataset.rule, ack.dataset.machine);
      Object.assign(slot.firstElementChild.dataset, { rule: ack.dataset.rule, machine: ack.dataset.machine, series: ack.dataset.series });
      slot.querySelector('input[name=comment]').focus();
    } else if (e.target.closest('.silence-form .cancel, .ack-form .cancel')) {
      slot.innerHTML = '';
    }
  });
  root.addEventListener('submit', async (e) => {
    const a = e.target.closest('.ack-form');
    if (a) {
      e.preventDefault();
      try {
        const comment = new FormData(a).get('comment');
        await api.acknowledge({ rule: a.dataset.rule, machine: a.dataset.machine, series: a.dataset.series || undefined, comment });
        slot.innerHTML = `<p class="muted ack-done">Acknowledged ${esc(a.dataset.rule)} on ${esc(a.dataset.machine)}: its notifications stop repeating until it resolves.</p>`;
        done?.();
      } catch (err) {
        a.querySelector('.note').textContent = err.message;
      }
      return;
    }
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
