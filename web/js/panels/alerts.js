// Alert list (#/alerts): what fires now, live from the WebSocket, and resolved periods from /api/alerts/history.

import * as api from '../api.js';
import { ago, byUnit, clock, duration, esc } from '../format.js';
import { canWrite } from '../session.js';
import { ackBadge, ackButton, canSilence, silenceButton, wireSilencing } from '../silence.js';

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
  const action = silenceable ? `<td>${silenceButton(a)} ${ackButton(a)}</td>` : '';
  return `<tr class="sev-${a.severity}">
    <td><span class="badge sev-${a.severity}">${a.severity}</span></td><td>${esc(a.state)}${a.endedMs ? '' : ackBadge(a)}</td>
    <td><b>${esc(a.rule)}</b></td><td><a href="#/machine/${encodeURIComponent(a.machine)}">${esc(a.machine)}</a></td>
    <td class="mono">${esc(a.series ?? '')}</td><td>${when}</td>
    <td class="num">${a.value == null ? '' : byUnit(unitOf(a), a.value)}</td>
    <td class="num">${a.threshold == null ? '' : byUnit(unitOf(a), a.threshold)}</td>
    <td class="muted">${esc(a.message ?? '')}</td>${action}</tr>`;
}

const HEAD = `<thead><tr><th>Severity</th><th>State</th><th>Rule</th><th>Machine</th><th>Series</th><th>Since</th>
  <th class="num">Value</th><th class="num">Threshold</th><th></th></tr></thead>`;
const HEAD_ACTIONS = HEAD.replace('<th></th></tr>', '<th></th><th></th></tr>');

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
    // Listeners go on an element of this view's own: `root` outlives it and hosts the next view.
    root.innerHTML = `<div class="alerts-view"><section class="panel"><h3>Active</h3><div class="active"></div><div class="silence-slot"></div></section>
      <section class="panel channels-panel" hidden><h3>Notifications</h3><div class="channels"></div></section>
      <section class="panel silences-panel" hidden><h3>Silences</h3><div class="silences"></div></section>
      <section class="panel"><h3>Resolved</h3><div class="past"><p class="muted">Loading…</p></div></section></div>`;
    this.root = root.firstElementChild;
    this.root.addEventListener('click', (e) => this.onClick(e));
    wireSilencing(this.root, this.root.querySelector('.silence-slot'), () => this.loadSilences());
    this.render();
    this.loadPast();
    this.loadSilences();
    this.loadChannels();
    this.timer = setInterval(() => { this.render(); this.loadChannels(); }, 5000);
  }

  /** Whether notifications get through: each channel's queue, last delivery and last error (private hub only). */
  async loadChannels() {
    const panel = this.root.querySelector('.channels-panel');
    if (!panel || !this.store.received || this.store.readOnly) return;
    try {
      const channels = (await api.alerts()).channels ?? [];
      if (!panel.isConnected) return; // the view was left meanwhile
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
      if (panel.isConnected) panel.hidden = true;
    }
  }

  onClick(e) {
    const remove = e.target.closest('.silence-remove');
    if (remove) {
      remove.disabled = true;
      api.removeSilence(remove.dataset.id).then(() => this.loadSilences(), (err) => { remove.disabled = false; alert(err.message); });
    }
  }

  async loadSilences() {
    const panel = this.root.querySelector('.silences-panel');
    // Only the private hub keeps silences; the live snapshot says which this is (the edge's is read-only).
    if (!panel || !this.store.received || this.store.readOnly) return;
    try {
      const now = this.store.now();
      const list = (await api.silences()).silences.filter((s) => s.ends_ms > now);
      if (!panel.isConnected) return;
      panel.hidden = !list.length;
      this.root.querySelector('.silences').innerHTML = list.length
        ? `<table><tbody>${list.map((s) => silenceRow(s, now)).join('')}</tbody></table>` : '';
    } catch {
      if (panel.isConnected) panel.hidden = true; // the edge keeps no silences
    }
  }

  unmount() { clearInterval(this.timer); }

  onChange(change) {
    if (change.alerts) { this.render(); this.loadPast(); }
    if (change.snapshot) { this.loadSilences(); this.loadChannels(); }
  }

  /** Silencing is offered to an admin of the private hub, never on the public edge. */
  writable() { return canSilence(this.store); }

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
