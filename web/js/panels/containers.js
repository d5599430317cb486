// The Containers panel of the machine view: every container and service the collector reads (the current values
// of the subscribed detail stream), sorted by CPU or memory, each with a sparkline of its last two minutes; a click
// on a row opens a chart of that container's CPU and memory share from history, kept live. Hidden on a machine
// that reports no container.

import * as api from '../api.js';
import { TimeChart, drawSparkline } from '../chart.js';
import { seriesId } from '../charts/registry.js';
import { bytes, esc, percent, rate } from '../format.js';

const SPAN_MS = 120_000;
const CHART_MS = 900_000;

/** The containers and services of a detail's samples, by their label: `{ label, name, cpu, memory, … }`. */
export function containersOf(samples) {
  const rows = new Map();
  for (const s of samples || []) {
    if (!s.metric.startsWith('container.')) continue;
    const label = s.labels.service != null ? 'service' : 'container';
    const name = s.labels[label];
    if (name == null) continue;
    const key = `${label}=${name}`;
    if (!rows.has(key)) rows.set(key, { key, label, name });
    rows.get(key)[s.metric.slice('container.'.length)] = s.value;
  }
  return [...rows.values()];
}

export class ContainersPanel {
  constructor(section, machineId) {
    this.section = section;
    this.id = machineId;
    this.sortBy = 'cpu';
    this.rows = [];
    this.spark = new Map();
    this.charts = new Map();
    section.hidden = true;
    section.innerHTML = `<h3>Containers <span class="sort">sort by <button data-sort="cpu" class="on">CPU</button>
      <button data-sort="memory">memory</button></span></h3><div class="containers-body"></div>
      <div class="containers-charts"></div>`;
    section.querySelector('.sort').addEventListener('click', (e) => {
      const by = e.target.dataset?.sort;
      if (!by) return;
      this.sortBy = by;
      for (const b of section.querySelectorAll('.sort button')) b.classList.toggle('on', b.dataset.sort === by);
      this.render();
    });
    section.querySelector('.containers-body').addEventListener('click', (e) => {
      const tr = e.target.closest('tr[data-row]');
      if (tr) this.toggle(this.rows[Number(tr.dataset.row)]);
    });
  }

  destroy() {
    for (const chart of this.charts.values()) chart.destroy();
    this.charts.clear();
  }

  /** New current values at `t` (the batch's sample time). */
  update(samples, t) {
    this.rows = containersOf(samples);
    this.section.hidden = this.rows.length === 0 && this.charts.size === 0;
    const live = new Set();
    for (const row of this.rows) {
      live.add(row.key);
      const s = this.spark.get(row.key) ?? { t: [], cpu: [], memory: [] };
      if (t != null && (!s.t.length || s.t[s.t.length - 1] < t)) {
        s.t.push(t);
        s.cpu.push(row.cpu_percent ?? null);
        s.memory.push(row.memory_bytes ?? null);
        while (s.t.length && s.t[0] < t - SPAN_MS) { s.t.shift(); s.cpu.shift(); s.memory.shift(); }
      }
      this.spark.set(row.key, s);
    }
    for (const key of [...this.spark.keys()]) if (!live.has(key)) this.spark.delete(key);
    this.now = t;
    this.render();
    if (t == null) return;
    const values = {};
    for (const x of samples) if (x.metric.startsWith('container.')) values[seriesId(x.metric, x.labels)] = x.value;
    for (const chart of this.charts.values()) {
      chart.setRange(t - CHART_MS, t);
      chart.append(t, values);
    }
  }

  render() {
    const body = this.section.querySelector('.containers-body');
    const by = this.sortBy === 'cpu' ? (r) => r.cpu_percent ?? -1 : (r) => r.memory_bytes ?? -1;
    const order = this.rows.map((r, i) => i).sort((a, b) => (by(this.rows[b]) - by(this.rows[a]))
      || this.rows[a].name.localeCompare(this.rows[b].name));
    body.innerHTML = `<table><thead><tr><th>Container</th><th class="num">CPU</th><th>last 2 min</th>
      <th class="num">Memory</th><th class="num">of limit</th><th class="num">Processes</th><th class="num">Net in / out</th>
      </tr></thead><tbody>${order.map((i) => {
        const r = this.rows[i];
        const net = r.net_rx_bytes_per_second == null ? '–' : `${rate(r.net_rx_bytes_per_second)} / ${rate(r.net_tx_bytes_per_second)}`;
        return `<tr data-row="${i}" class="${this.charts.has(r.key) ? 'selected' : ''}" title="${esc(r.label)}=${esc(r.name)}">
          <td class="cname">${esc(r.name)}${r.label === 'service' ? ' <span class="badge">service</span>' : ''}</td>
          <td class="num">${percent(r.cpu_percent)}</td><td><canvas class="spark"></canvas></td>
          <td class="num">${bytes(r.memory_bytes)}</td><td class="num">${percent(r.memory_percent)}</td>
          <td class="num">${r.pids ?? '–'}</td><td class="num">${net}</td></tr>`;
      }).join('')}</tbody></table>`;
    const canvases = body.querySelectorAll('canvas.spark');
    order.forEach((i, n) => {
      const s = this.spark.get(this.rows[i].key);
      if (!s || this.now == null) return;
      const cpu = this.sortBy === 'cpu';
      drawSparkline(canvases[n], s.t, cpu ? s.cpu : s.memory, { now: this.now, spanMs: SPAN_MS,
        color: cpu ? '#4cc9f0' : '#a78bfa' });
    });
  }

  /** Opens (or closes) the chart of one container: its CPU and memory share over the last 15 minutes. */
  async toggle(row) {
    if (!row) return;
    if (this.charts.has(row.key)) {
      this.charts.get(row.key).destroy();
      this.charts.delete(row.key);
      this.render();
      return;
    }
    const chart = new TimeChart(this.section.querySelector('.containers-charts'), {
      title: `${row.name}: CPU (% of a core) and memory (% of its limit)`, unit: 'percent' });
    chart.el.dataset.container = row.name;
    this.charts.set(row.key, chart);
    this.render();
    const to = this.now ?? Date.now();
    chart.setRange(to - CHART_MS, to);
    const metrics = [['container.cpu_percent', 'CPU'], ['container.memory_percent', 'memory']];
    const series = [];
    for (const [metric, name] of metrics) {
      try {
        const answer = await api.history(this.id, metric, to - CHART_MS, to);
        const found = answer.series.find((s) => s.series.labels[row.label] === row.name);
        const labels = { [row.label]: row.name };
        series.push({ key: seriesId(metric, labels), name, t: found ? found.points.map((p) => p.t) : [],
          v: found ? found.points.map((p) => p.value) : [] });
      } catch { /* no history yet: the live points fill the chart */ }
    }
    if (this.charts.get(row.key) === chart) chart.setSeries(series);
  }
}
