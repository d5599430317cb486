// Machine view (#/machine/ID): header figures, charts per metric group from /api/history kept live by the
// subscribed detail stream, a time-range picker, drag-to-zoom, alert periods, the containers and the top processes.

import * as api from '../api.js';
import { TimeChart } from '../chart.js';
import { chartGroups, seriesId } from '../charts/registry.js';
import { ago, bytes, clock, completeness, duration, esc, GAP_TEXT, number, percent, rate } from '../format.js';
import { renderTop } from './top.js';
import { ContainersPanel } from './containers.js';
import { setShowVirtual, showVirtual } from '../charts/virtual.js';
import { ackBadge, ackButton, canSilence, silenceButton, wireSilencing } from '../silence.js';

const RANGES = [['15m', 900e3], ['1h', 3600e3], ['6h', 21600e3], ['24h', 86400e3], ['7d', 604800e3],
  ['30d', 2592000e3]];
/** Ranges up to this long append live points; longer ones re-read history every minute. */
const LIVE_APPEND_MAX = 3600e3;

class MachinePanel {
  constructor(root, { store, live }, { id }) {
    this.store = store;
    this.live = live;
    this.id = id;
    this.range = { preset: '15m', span: 900e3, live: true };
    this.charts = new Map();
    this.abort = null;
    root.innerHTML = `<div class="machine-head"></div><div class="machine-state" hidden></div>
      <div class="stats"></div>
      <div class="toolbar"><div class="ranges">${RANGES.map(([n]) =>
        `<button data-range="${n}">${n}</button>`).join('')}</div><button class="reset" hidden>reset zoom</button>
        <span class="range-note"></span>
        <label class="virtual-toggle"><input type="checkbox" name="virtual"> show virtual devices</label></div>
      <div class="gap-legend" hidden></div>
      <div class="charts"></div>
      <section class="panel containers"></section>
      <div class="split"><section class="panel top"><h3>Top processes</h3><div class="top-body"></div></section>
      <section class="panel malerts"><h3>Alerts</h3><div class="malerts-body"></div><div class="silence-slot"></div></section></div>`;
    this.root = root;
    this.q = (s) => root.querySelector(s);
    wireSilencing(this.q('.malerts'), this.q('.malerts .silence-slot'));
    this.containers = new ContainersPanel(this.q('.containers'), id);
    root.querySelector('.ranges').addEventListener('click', (e) => {
      const name = e.target.dataset?.range;
      if (!name) return;
      const span = RANGES.find(([n]) => n === name)[1];
      this.range = { preset: name, span, live: true };
      this.load();
    });
    const toggle = this.q('input[name=virtual]');
    toggle.checked = showVirtual();
    toggle.addEventListener('change', () => { setShowVirtual(toggle.checked); this.load(); });
    this.q('.reset').addEventListener('click', () => {
      this.range = { ...this.range, live: true };
      this.load();
    });
    for (const group of chartGroups) {
      const chart = new TimeChart(this.q('.charts'), {
        title: group.title, unit: group.unit, stacked: group.stacked, yMax: group.yMax,
        onZoom: (from, to) => { this.range = { ...this.range, live: false, from, to }; this.load(); },
      });
      this.charts.set(group.id, { group, chart });
    }
    live.subscribe(id);
    this.refresher = setInterval(() => this.tick(), 1000);
    this.renderHead();
    // History is read once the fleet is known: an id that is not a machine asks for nothing.
    if (this.store.received) this.load();
  }

  unmount() {
    this.live.unsubscribe(this.id);
    clearInterval(this.refresher);
    this.abort?.abort();
    for (const { chart } of this.charts.values()) chart.destroy();
    this.containers.destroy();
  }

  window() {
    if (!this.range.live) return { from: this.range.from, to: this.range.to };
    const to = this.store.now();
    return { from: to - this.range.span, to };
  }

  /** Reads every chart group's history for the current range; series the machine lacks are hidden. */
  async load() {
    if (!this.store.machines.get(this.id)) return;
    this.loaded = true;
    this.abort?.abort();
    const abort = new AbortController();
    this.abort = abort;
    this.loadedAt = Date.now();
    const { from, to } = this.window();
    for (const b of this.root.querySelectorAll('.ranges button')) {
      b.classList.toggle('on', this.range.live && b.dataset.range === this.range.preset);
    }
    this.q('.reset').hidden = this.range.live;
    this.q('.range-note').textContent = this.range.live ? 'live' : `${clock(from)} – ${clock(to)}`;
    const step = Math.max(1000, (to - from) / 720);
    const bands = await this.alertBands(abort.signal);
    this.loadGaps(abort.signal);
    await Promise.all([...this.charts.values()].map(async ({ group, chart }) => {
      chart.gapMs = Math.max(5000, step * 3);
      chart.setRange(from, to);
      chart.setBands(bands);
      try {
        const answers = await Promise.all(group.queries.map((q) => api.history(this.id, q.metric, from, to, abort.signal)));
        const series = [];
        for (const answer of answers) {
          for (const s of answer.series) {
            const key = s.series;
            if (group.include && !group.include(key, { virtual: showVirtual() })) continue;
            series.push({ key: seriesId(key.metric, key.labels), name: group.name(key), sortKey: group.sortKey?.(key) ?? group.order?.indexOf(key.labels.mode) ?? 0,
              t: s.points.map((p) => p.t), v: s.points.map((p) => p.value) });
          }
        }
        series.sort((a, b) => (a.sortKey - b.sortKey) || a.name.localeCompare(b.name, undefined, { numeric: true }));
        chart.setSeries(series);
        chart.el.hidden = group.optional && series.length === 0;
      } catch (e) {
        if (e.name !== 'AbortError') chart.setSeries([]);
      }
    }));
  }

  /** Data gaps in the range, as bands on every chart, and a legend of the kinds present. */
  async loadGaps(signal) {
    // The edge keeps no gap record; an id that is not a machine has none.
    if (this.store.readOnly || !this.store.machines.get(this.id)) return;
    const { from, to } = this.window();
    let gaps = [];
    try { gaps = (await api.gaps(this.id, from, to, signal)).machines[0]?.gaps ?? []; } catch { return; }
    this.gapsAt = Date.now();
    for (const { chart } of this.charts.values()) chart.setGaps(gaps);
    const kinds = [...new Set(gaps.map((g) => g.kind))];
    const legend = this.q('.gap-legend');
    legend.hidden = !kinds.length;
    legend.innerHTML = kinds.length ? `<span>Data gaps:</span>` + kinds.map((k) =>
      `<span class="gap-${k}"><i class="gap-${k}"></i>${esc(GAP_TEXT[k] ?? k)}</span>`).join('') : '';
  }

  /** Alert periods for this machine: resolved ones from history, active ones from the live list. */
  async alertBands(signal) {
    let past = [];
    try { past = (await api.alertHistory(500, signal)).alerts; } catch { /* no evaluator: no bands */ }
    const active = this.store.alerts;
    return [...past, ...active].filter((a) => a.machine === this.id && a.state !== 'pending')
      .map((a) => ({ from: a.sinceMs, to: a.endedMs ?? null, severity: a.severity }));
  }

  tick() {
    this.renderHead();
    if (!this.range.live) return;
    if (this.range.span > LIVE_APPEND_MAX && Date.now() - this.loadedAt > 60_000) { this.load(); return; }
    const { from, to } = this.window();
    for (const { chart } of this.charts.values()) chart.setRange(from, to);
    // An open gap grows and a back-fill resolves it: read the gaps again every few seconds.
    if (Date.now() - (this.gapsAt ?? 0) > 5000) { this.gapsAt = Date.now(); this.loadGaps(this.abort?.signal); }
  }

  onChange(change) {
    if (change.machines.has(this.id) || change.snapshot || change.alerts) this.renderHead();
    if (!change.details.has(this.id)) return;
    const detail = this.store.details.get(this.id);
    renderTop(this.q('.top-body'), detail.top);
    this.containers.update(detail.samples, detail.machine.lastSampleMs);
    if (!this.range.live || this.range.span > LIVE_APPEND_MAX) return;
    const t = detail.machine.lastSampleMs;
    if (t == null) return;
    const values = {};
    for (const s of detail.samples) values[seriesId(s.metric, s.labels)] = s.value;
    for (const { chart } of this.charts.values()) chart.append(t, values);
  }

  renderHead() {
    const m = this.store.machines.get(this.id);
    const head = this.q('.machine-head');
    // An unknown id shows only that: no figures, charts or tables to fill.
    for (const s of ['.toolbar', '.charts', '.split']) this.q(s).hidden = !m;
    if (!m) this.q('.containers').hidden = true;
    if (!m) {
      head.innerHTML = `<a href="#/" class="back">← fleet</a><h2>${esc(this.id)}</h2>`;
      this.q('.stats').innerHTML = '';
      const state = this.q('.machine-state');
      state.hidden = !this.store.received;
      state.textContent = 'No machine of this id is in the spec, nor reporting.';
      return;
    }
    if (!this.loaded) this.load();
    const now = this.store.now();
    const v = m.values || {};
    head.innerHTML = `<a href="#/" class="back">← fleet</a><h2><span class="dot st-${m.status}"></span>${esc(m.id)}</h2>
      <span class="pill st-${m.status}">${m.status}</span>
      <span class="meta">${[m.host, ...Object.entries(m.labels || {}).map(([k, x]) => `${k}=${x}`),
        m.agentVersion && `agent ${m.agentVersion}`, `every ${duration(m.intervalMs)}`,
        m.lagMs != null && `lag ${duration(m.lagMs)}`, m.lastSeenMs && `seen ${ago(m.lastSeenMs, now)}`]
        .filter(Boolean).map(esc).join(' · ')}</span>
      ${m.specDrift ? '<span class="badge drift">collector runs an older spec</span>' : ''}`;
    const state = this.q('.machine-state');
    state.hidden = !(m.status === 'down' || m.status === 'pending');
    state.textContent = m.status === 'down' ? `Machine down since ${clock(m.lastSeenMs)} (${ago(m.lastSeenMs, now)}).`
      : `Pending: this machine has not reported yet. Set it up with smsctl apply (machines with ssh:), or run ctrl/collectors/${this.id}.sh on it.`;
    const stat = (label, value, extra = '') => `<div><label>${label}</label><b>${value}</b><small>${extra}</small></div>`;
    this.q('.stats').innerHTML = [
      stat('CPU', percent(v.cpu), v.cores ? `${v.cores} cores` : ''),
      stat('Memory', percent(v.memory), v.memoryTotalBytes ? `${bytes(v.memoryUsedBytes)} / ${bytes(v.memoryTotalBytes)}` : ''),
      stat('Disk', percent(v.disk), v.diskMount ?? ''),
      stat('Net in', rate(v.netRxBytes), `out ${rate(v.netTxBytes)}`),
      stat('Disk I/O', v.diskReadBytes == null && v.diskWriteBytes == null ? '–' : rate((v.diskReadBytes ?? 0) + (v.diskWriteBytes ?? 0)),
        v.diskReadBytes == null ? '' : `r ${rate(v.diskReadBytes)}`),
      stat('Load', number(v.load1), v.load5 == null ? '' : `${number(v.load5)} · ${number(v.load15)}`),
      stat('Uptime', v.uptimeSeconds ? duration(v.uptimeSeconds * 1000) : '–', ''),
      stat('Data', completeness(m.completeness?.['1h']),
        m.completeness ? `24h ${completeness(m.completeness['24h'])} · 7d ${completeness(m.completeness['7d'])}` : ''),
    ].join('');
    const alerts = this.store.alerts.filter((a) => a.machine === this.id);
    this.q('.malerts-body').innerHTML = alerts.length ? alerts.map((a) => `<div class="alert-row sev-${a.severity}">
      <b>${esc(a.rule)}</b> <span>${esc(a.state)}${ackBadge(a)}</span> <span>since ${clock(a.sinceMs)}</span>
      ${a.value != null ? `<span>value ${number(a.value)}</span>` : ''}${a.threshold != null ? `<span>threshold ${number(a.threshold)}</span>` : ''}
      ${canSilence(this.store) && a.state === 'firing' ? `${silenceButton(a)} ${ackButton(a)}` : ''}</div>`).join('')
      : '<p class="muted">No active alerts.</p>';
  }
}

export default {
  id: 'machine',
  title: 'Machine',
  match: (path) => {
    const m = /^\/machine\/(.+)$/.exec(path);
    return m ? { id: decodeURIComponent(m[1]) } : null;
  },
  mount: (root, ctx, params) => new MachinePanel(root, ctx, params),
};
