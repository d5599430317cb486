// Alert list (#/alerts): what fires now, live from the WebSocket, and resolved periods from /api/alerts/history.

import * as api from '../api.js';
import { ago, byUnit, clock, duration, esc } from '../format.js';

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

function row(a, now) {
  const when = a.endedMs ? `${clock(a.sinceMs)} – ${clock(a.endedMs)} (${duration(a.endedMs - a.sinceMs)})`
    : `${clock(a.sinceMs)} (${ago(a.sinceMs, now)})`;
  return `<tr class="sev-${a.severity}">
    <td><span class="badge sev-${a.severity}">${a.severity}</span></td><td>${esc(a.state)}</td>
    <td><b>${esc(a.rule)}</b></td><td><a href="#/machine/${encodeURIComponent(a.machine)}">${esc(a.machine)}</a></td>
    <td class="mono">${esc(a.series ?? '')}</td><td>${when}</td>
    <td class="num">${a.value == null ? '' : byUnit(unitOf(a), a.value)}</td>
    <td class="num">${a.threshold == null ? '' : byUnit(unitOf(a), a.threshold)}</td>
    <td class="muted">${esc(a.message ?? '')}</td></tr>`;
}

const HEAD = `<thead><tr><th>Severity</th><th>State</th><th>Rule</th><th>Machine</th><th>Series</th><th>Since</th>
  <th class="num">Value</th><th class="num">Threshold</th><th></th></tr></thead>`;

class AlertsPanel {
  constructor(root, { store }) {
    this.store = store;
    root.innerHTML = `<section class="panel"><h3>Active</h3><div class="active"></div></section>
      <section class="panel"><h3>Resolved</h3><div class="past"><p class="muted">Loading…</p></div></section>`;
    this.root = root;
    this.render();
    this.loadPast();
    this.timer = setInterval(() => this.render(), 5000);
  }

  unmount() { clearInterval(this.timer); }

  onChange(change) {
    if (change.alerts) { this.render(); this.loadPast(); }
  }

  render() {
    const now = this.store.now();
    const rank = { critical: 0, warning: 1 };
    const active = [...this.store.alerts].sort((a, b) => (rank[a.severity] - rank[b.severity]) || a.sinceMs - b.sinceMs);
    this.root.querySelector('.active').innerHTML = active.length
      ? `<table>${HEAD}<tbody>${active.map((a) => row(a, now)).join('')}</tbody></table>`
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
