// Alert list (#/alerts): what fires now, live from the WebSocket, and resolved periods from /api/alerts/history.

import * as api from '../api.js';
import { ago, byUnit, clock, duration, esc } from '../format.js';
import { canWrite } from '../session.js';

/** The unit of an alert's value and threshold: from its metric's name, or seconds for an absence rule. */
function unitOf(a) {
  if (!a.series) return 'seconds'; // machine_down and other absence rules: how long nothing came
  const metric = a.series.split('{')[0];
  if (metric.endsWith('_percent')) return 'percent';
  if (metric.endsWith('_bytes_per_second')) return 'bytes/s';
  if (metric.endsWith('_bytes')) return 'bytes';
  if (metric.endsWith('_seconds')) return 'seconds';
  if (metric === 'temperature.celsius') return '°C';
  return '';
}

function row(a, now, silenceable = false) {
  const when = a.endedMs ? `${clock(a.sinceMs)} – ${clock(a.endedMs)} (${duration(a.endedMs - a.sinceMs)})`
    : `${clock(a.sinceMs)} (${ago(a.sinceMs, now)})`;
  const action = silenceable
    ? `<td><button type="button" class="silence-open" data-rule="${esc(a.rule)}" data-machine="${esc(a.machine)}">Silence…</button></td>`
    : '';
  return `<tr class="sev-${a.severity}">
    <td><span class="badge sev-${a.severity}">${a.severity}</span></td><td>${esc(a.state)}</td>
    <td><b>${esc(a.rule)}</b></td><td><a href="#/machine/${encodeURIComponent(a.machine)}">${esc(a.machine)}</a></td>
    <td class="mono">${esc(a.series ?? '')}</td><td>${when}</td>
    <td class="num">${a.value == null ? '' : byUnit(unitOf(a), a.value)}</td>
    <td class="num">${a.threshold == null ? '' : byUnit(unitOf(a), a.threshold)}</td>
    <td class="muted">${esc(a.message ?? '')}</td>${action}</tr>`;
}

const HEAD = `<thead><tr><th>Severity</th><th>State</th><th>Rule</th><th>Machine</th><th>Series</th><th>Since</th>
  <th class="num">Value</th><th class="num">Threshold</th><th></th></tr></thead>`;
const HEAD_ACTIONS = HEAD.replace('<th></th></tr>', '<th></th><th></th></tr>');

/** The form that silences one rule on one machine: how long, and why (the hub requires a reason). */
function silenceForm(rule, machine) {
  return `<form class="silence-form"><b>Silence ${esc(rule)} on ${esc(machine)}</b>
    <label>for <select name="for"><option value="1h">1 hour</option><option value="4h">4 hours</option>
      <option value="1d">1 day</option></select></label>
    <label>because <input name="reason" required maxlength="500" placeholder="e.g. planned upgrade"></label>
    <button type="submit">Silence</button> <button type="button" class="cancel">Cancel</button>
    <span class="note muted"></span></form>`;
}

function silenceRow(s, now) {
  const what = [s.rule ?? 'every rule', s.machine ? `on ${s.machine}` : 'on every machine'].join(' ');
  // silences.json's own field names (snake_case), as `smsctl silence` writes them.
  return `<tr><td><b>${esc(what)}</b></td><td>until ${clock(s.ends_ms)} (${duration(s.ends_ms - now)} left)</td>
    <td class="muted">${esc(s.reason)}${s.created_by ? ` — ${esc(s.created_by)}` : ''}</td>
    <td>${canWrite() ? `<button type="button" class="silence-remove" data-id="${esc(s.id)}">End</button>` : ''}</td></tr>`;
}

class AlertsPanel {
  constructor(root, { store }) {
    this.store = store;
    root.innerHTML = `<section class="panel"><h3>Active</h3><div class="active"></div><div class="silence-slot"></div></section>
      <section class="panel channels-panel" hidden><h3>Notifications</h3><div class="channels"></div></section>
      <section class="panel silences-panel" hidden><h3>Silences</h3><div class="silences"></div></section>
      <section class="panel"><h3>Resolved</h3><div class="past"><p class="muted">Loading…</p></div></section>`;
    this.root = root;
    root.addEventListener('click', (e) => this.onClick(e));
    root.addEventListener('submit', (e) => this.onSubmit(e));
    this.render();
    this.loadPast();
    this.loadSilences();
    this.loadChannels();
    this.timer = setInterval(() => { this.render(); this.loadChannels(); }, 5000);
  }

  /** Whether notifications get through: each channel's queue, last delivery and last error (private hub only). */
  async loadChannels() {
    const panel = this.root.querySelector('.channels-panel');
    if (!this.store.received || this.store.readOnly) return;
    try {
      const channels = (await api.alerts()).channels ?? [];
      const now = this.store.now();
      panel.hidden = !channels.length;
      this.root.querySelector('.channels').innerHTML = channels.length ? `<table><thead><tr><th>Channel</th><th>State</th>
        <th class="num">Queued</th><th>Last delivered</th><th>Last error</th></tr></thead><tbody>${channels.map((c) => {
          const failing = c.lastError != null;
          return `<tr class="${failing ? 'channel-failing' : 'channel-ok'}"><td><b>${esc(c.name)}</b></td>
            <td>${failing ? '<span class="badge sev-critical">failing</span>' : '<span class="badge">delivering</span>'}</td>
            <td class="num">${c.queued}</td><td>${c.lastDeliveredMs ? ago(c.lastDeliveredMs, now) : 'never'}</td>
            <td class="muted">${failing ? `${esc(c.lastError)} (${ago(c.lastErrorMs, now)})` : ''}</td></tr>`;
        }).join('')}</tbody></table>` : '';
    } catch {
      panel.hidden = true;
    }
  }

  onClick(e) {
    const open = e.target.closest('.silence-open');
    if (open) {
      const slot = this.root.querySelector('.silence-slot');
      slot.innerHTML = silenceForm(open.dataset.rule, open.dataset.machine);
      slot.firstElementChild.dataset.rule = open.dataset.rule;
      slot.firstElementChild.dataset.machine = open.dataset.machine;
      slot.querySelector('input[name=reason]').focus();
      return;
    }
    if (e.target.closest('.silence-form .cancel')) { this.root.querySelector('.silence-slot').innerHTML = ''; return; }
    const remove = e.target.closest('.silence-remove');
    if (remove) {
      remove.disabled = true;
      api.removeSilence(remove.dataset.id).then(() => this.loadSilences(), (err) => { remove.disabled = false; alert(err.message); });
    }
  }

  async onSubmit(e) {
    const form = e.target.closest('.silence-form');
    if (!form) return;
    e.preventDefault();
    const note = form.querySelector('.note');
    const data = new FormData(form);
    try {
      await api.addSilence({ rule: form.dataset.rule, machine: form.dataset.machine, for: data.get('for'), reason: data.get('reason') });
      this.root.querySelector('.silence-slot').innerHTML = '';
      this.loadSilences();
    } catch (err) {
      note.textContent = err.message;
    }
  }

  async loadSilences() {
    const panel = this.root.querySelector('.silences-panel');
    // Only the private hub keeps silences; the live snapshot says which this is (the edge's is read-only).
    if (!this.store.received || this.store.readOnly) return;
    try {
      const now = this.store.now();
      const list = (await api.silences()).silences.filter((s) => s.ends_ms > now);
      panel.hidden = !list.length;
      this.root.querySelector('.silences').innerHTML = list.length
        ? `<table><tbody>${list.map((s) => silenceRow(s, now)).join('')}</tbody></table>` : '';
    } catch {
      panel.hidden = true; // the edge keeps no silences
    }
  }

  unmount() { clearInterval(this.timer); }

  onChange(change) {
    if (change.alerts) { this.render(); this.loadPast(); }
    if (change.snapshot) { this.loadSilences(); this.loadChannels(); }
  }

  /** Silencing is offered to an admin of the private hub, never on the public edge. */
  writable() { return canWrite() && this.store.received && !this.store.readOnly; }

  render() {
    const now = this.store.now();
    const rank = { critical: 0, warning: 1 };
    const active = [...this.store.alerts].sort((a, b) => (rank[a.severity] - rank[b.severity]) || a.sinceMs - b.sinceMs);
    const writable = this.writable();
    this.root.querySelector('.active').innerHTML = active.length
      ? `<table>${writable ? HEAD_ACTIONS : HEAD}<tbody>${active.map((a) => row(a, now, writable)).join('')}</tbody></table>`
      : '<p class="muted">Nothing is firing.</p>';
  }

  async loadPast() {
    const el = this.root.querySelector('.past');
    try {
      // Periods still going are in Active above: here only the ones that ended.
      const alerts = (await api.alertHistory(200)).alerts.filter((a) => a.endedMs);
      const now = this.store.now();
      el.innerHTML = alerts.length ? `<table>${HEAD}<tbody>${alerts.map((a) => row(a, now)).join('')}</tbody></table>`
        : '<p class="muted">No resolved alerts yet.</p>';
    } catch (e) {
      el.innerHTML = `<p class="muted">Alert history unavailable: ${esc(e.message)}</p>`;
    }
  }
}

export default {
  id: 'alerts',
  title: 'Alerts',
  match: (path) => (path === '/alerts' ? {} : null),
  mount: (root, ctx) => new AlertsPanel(root, ctx),
};
