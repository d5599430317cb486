// Canvas charts drawn by hand: sparklines for fleet cards and time-series charts for the machine view.
// No library: a few hundred lines keep the dashboard offline and fast with hundreds of machines.

import { byUnit, clock, duration, GAP_TEXT } from './format.js';

export const PALETTE = [
  '#4cc9f0', '#f72585', '#ffd166', '#06d6a0', '#a78bfa', '#fb8500', '#90e0ef', '#ef476f',
  '#8ac926', '#ff99c8', '#3a86ff', '#ffbe0b', '#00b4d8', '#e76f51', '#b5e48c', '#c77dff',
];

const TIME_STEPS = [1, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400,
  172800, 604800].map((s) => s * 1000);

/** Sizes a canvas's backing store to its CSS box at the device pixel ratio; returns the 2D context. */
export function fitCanvas(canvas) {
  const dpr = window.devicePixelRatio || 1;
  const w = Math.max(1, Math.round(canvas.clientWidth * dpr));
  const h = Math.max(1, Math.round(canvas.clientHeight * dpr));
  if (canvas.width !== w || canvas.height !== h) {
    canvas.width = w;
    canvas.height = h;
  }
  const ctx = canvas.getContext('2d');
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  return ctx;
}

/** A small filled line of the last `spanMs` of values; `max` fixes the scale (100 for percentages). */
export function drawSparkline(canvas, t, v, { now, spanMs = 120_000, max, color = '#4cc9f0' }) {
  const ctx = fitCanvas(canvas);
  const w = canvas.clientWidth;
  const h = canvas.clientHeight;
  ctx.clearRect(0, 0, w, h);
  if (!t.length) return;
  let top = max;
  if (top == null) {
    top = 0;
    for (const x of v) if (x != null && x > top) top = x;
    top = top > 0 ? top * 1.15 : 1;
  }
  const x = (ti) => w - ((now - ti) / spanMs) * w;
  const y = (vi) => h - 1 - (Math.min(vi, top) / top) * (h - 2);
  ctx.beginPath();
  let started = false;
  let firstX = 0;
  let lastX = 0;
  for (let i = 0; i < t.length; i++) {
    if (v[i] == null) continue;
    const px = x(t[i]);
    if (!started) { ctx.moveTo(px, y(v[i])); firstX = px; started = true; } else ctx.lineTo(px, y(v[i]));
    lastX = px;
  }
  if (!started) return;
  ctx.strokeStyle = color;
  ctx.lineWidth = 1.25;
  ctx.stroke();
  ctx.lineTo(lastX, h);
  ctx.lineTo(firstX, h);
  ctx.closePath();
  ctx.globalAlpha = 0.18;
  ctx.fillStyle = color;
  ctx.fill();
  ctx.globalAlpha = 1;
}

/** A "nice" upper bound and tick step for a value range starting at zero. */
export function niceScale(max, ticks = 4) {
  if (!(max > 0)) return { max: 1, step: 0.25 };
  const raw = max / ticks;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw);
  return { max: Math.ceil(max / step) * step, step };
}

function timeLabel(ms, stepMs) {
  const d = new Date(ms);
  const pad = (n) => String(n).padStart(2, '0');
  if (stepMs >= 86_400_000) return `${d.getMonth() + 1}/${d.getDate()}`;
  const hm = `${pad(d.getHours())}:${pad(d.getMinutes())}`;
  if (stepMs < 60_000) return `${hm}:${pad(d.getSeconds())}`;
  if (d.getHours() === 0 && d.getMinutes() === 0) return `${d.getMonth() + 1}/${d.getDate()}`;
  return hm;
}

/** Index of the last element of sorted `arr` at or before `x` (or 0). */
export function bisect(arr, x) {
  let lo = 0;
  let hi = arr.length - 1;
  if (hi < 0 || x <= arr[0]) return 0;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (arr[mid] <= x) lo = mid; else hi = mid - 1;
  }
  return lo;
}

/**
 * A time-series chart: lines or stacked areas, alert bands, hover read-out and drag-to-zoom.
 * Series: { key, name, color, t: number[], v: (number|null)[] }, times ascending in ms.
 */
export class TimeChart {
  constructor(container, { title, unit = '', stacked = false, yMax = null, onZoom = null }) {
    this.unit = unit;
    this.stacked = stacked;
    this.yMax = yMax;
    this.onZoom = onZoom;
    this.series = [];
    this.bands = [];
    this.gaps = [];
    this.from = Date.now() - 900_000;
    this.to = Date.now();
    this.gapMs = 5000;
    this.hoverX = null;
    this.drag = null;
    this.frame = 0;
    this.el = document.createElement('section');
    this.el.className = 'chart';
    this.el.innerHTML = `<header><h3></h3><span class="chart-value"></span></header>
      <div class="plot"><canvas></canvas><div class="gap-bands"></div><div class="tip" hidden></div></div>
      <ul class="legend"></ul>`;
    this.el.querySelector('h3').textContent = title;
    this.canvas = this.el.querySelector('canvas');
    this.tip = this.el.querySelector('.tip');
    this.gapLayer = this.el.querySelector('.gap-bands');
    this.legend = this.el.querySelector('.legend');
    this.valueEl = this.el.querySelector('.chart-value');
    container.appendChild(this.el);
    this.bindPointer();
    this.resize = new ResizeObserver(() => this.invalidate());
    this.resize.observe(this.canvas);
  }

  destroy() {
    this.resize.disconnect();
    cancelAnimationFrame(this.frame);
    this.el.remove();
  }

  setRange(from, to) { this.from = from; this.to = to; this.invalidate(); }

  setBands(bands) { this.bands = bands; this.invalidate(); }

  /** Data gaps of the machine (`{kind, fromMs, toMs, batches}`), shown as bands coloured by kind. */
  setGaps(gaps) { this.gaps = gaps; this.invalidate(); }

  /** Replaces every series; colours stay stable per key across calls. */
  setSeries(series) {
    this.colors ??= new Map();
    for (const s of series) {
      if (!s.color) {
        if (!this.colors.has(s.key)) this.colors.set(s.key, PALETTE[this.colors.size % PALETTE.length]);
        s.color = this.colors.get(s.key);
      }
    }
    this.series = series;
    this.renderLegend();
    this.invalidate();
  }

  /** Appends one point per series key (live updates), dropping points older than the range start. */
  append(t, values) {
    for (const s of this.series) {
      if (!(s.key in values)) continue;
      if (s.t.length && s.t[s.t.length - 1] >= t) continue;
      s.t.push(t);
      s.v.push(values[s.key]);
      let drop = 0;
      while (drop < s.t.length - 1 && s.t[drop] < this.from) drop++;
      if (drop) { s.t.splice(0, drop); s.v.splice(0, drop); }
    }
    this.invalidate();
  }

  renderLegend() {
    this.legend.innerHTML = '';
    for (const s of this.series) {
      const li = document.createElement('li');
      li.innerHTML = '<i></i><span></span>';
      li.querySelector('i').style.background = s.color;
      li.querySelector('span').textContent = s.name;
      this.legend.appendChild(li);
    }
  }

  invalidate() {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.draw();
    });
  }

  /** Stacked sums per series at each of the first series' times (series share step buckets). */
  stackedValues() {
    const base = this.series[0];
    if (!base) return [];
    const maps = this.series.map((s) => new Map(s.t.map((t, i) => [t, s.v[i]])));
    const acc = base.t.map(() => 0);
    return this.series.map((s, si) => ({
      t: base.t,
      lo: acc.slice(),
      hi: base.t.map((t, i) => {
        const v = maps[si].get(t);
        if (v != null) acc[i] += v;
        return acc[i];
      }),
    }));
  }

  bindPointer() {
    const pos = (e) => e.clientX - this.canvas.getBoundingClientRect().left;
    this.canvas.addEventListener('mousemove', (e) => {
      this.hoverX = pos(e);
      if (this.drag) this.drag.x1 = this.hoverX;
      this.invalidate();
    });
    this.canvas.addEventListener('mouseleave', () => { this.hoverX = null; this.drag = null; this.invalidate(); });
    this.canvas.addEventListener('mousedown', (e) => { this.drag = { x0: pos(e), x1: pos(e) }; });
    window.addEventListener('mouseup', () => {
      const d = this.drag;
      this.drag = null;
      if (!d || Math.abs(d.x1 - d.x0) < 6 || !this.onZoom) return this.invalidate();
      const a = this.timeAt(Math.min(d.x0, d.x1));
      const b = this.timeAt(Math.max(d.x0, d.x1));
      this.onZoom(Math.round(a), Math.round(b));
    });
  }

  timeAt(px) {
    const { left, width } = this.box;
    return this.from + ((px - left) / width) * (this.to - this.from);
  }

  draw() {
    const ctx = fitCanvas(this.canvas);
    const W = this.canvas.clientWidth;
    const H = this.canvas.clientHeight;
    ctx.clearRect(0, 0, W, H);
    const stacks = this.stacked ? this.stackedValues() : null;
    let max = 0;
    const inRange = (t) => t >= this.from && t <= this.to;
    if (stacks) {
      for (const s of stacks) s.hi.forEach((v, i) => { if (inRange(s.t[i]) && v > max) max = v; });
    } else {
      for (const s of this.series) s.v.forEach((v, i) => { if (v != null && inRange(s.t[i]) && v > max) max = v; });
    }
    // Percentages may add up to a hair above 100 (rounding in the collector): keep the fixed scale then.
    const scale = this.yMax != null && max <= this.yMax * 1.02 ? niceScale(this.yMax) : niceScale(max * 1.05);
    // With nothing in range the scale is made up: no value labels ("1 B, 1 B, 0 B" said nothing true).
    const empty = !this.series.some((s) => s.t.some(inRange));
    ctx.font = '11px system-ui, sans-serif';
    let labelWidth = 0;
    for (let v = 0; !empty && v <= scale.max + 1e-9; v += scale.step) {
      labelWidth = Math.max(labelWidth, ctx.measureText(byUnit(this.unit, v)).width);
    }
    const left = Math.ceil(labelWidth) + 10;
    const box = { left, top: 6, width: Math.max(10, W - left - 8), height: Math.max(10, H - 26) };
    this.box = box;
    const x = (t) => box.left + ((t - this.from) / (this.to - this.from)) * box.width;
    const y = (v) => box.top + box.height - (v / scale.max) * box.height;
    this.drawAxes(ctx, box, scale, x, y, !empty);
    this.drawBands(ctx, box, x);
    this.placeGaps(box, x);
    ctx.save();
    ctx.beginPath();
    ctx.rect(box.left, box.top, box.width, box.height);
    ctx.clip();
    if (stacks) this.drawStacks(ctx, stacks, x, y); else this.drawLines(ctx, x, y);
    ctx.restore();
    this.drawHover(ctx, box, x, y, stacks);
    if (this.drag) {
      ctx.fillStyle = 'rgba(76, 201, 240, 0.15)';
      ctx.fillRect(Math.min(this.drag.x0, this.drag.x1), box.top, Math.abs(this.drag.x1 - this.drag.x0), box.height);
    }
    if (empty) {
      ctx.fillStyle = '#7d8794';
      ctx.font = '12px system-ui, sans-serif';
      ctx.textAlign = 'center';
      ctx.fillText('no data in this range', box.left + box.width / 2, box.top + box.height / 2);
    }
  }

  drawAxes(ctx, box, scale, x, y, labels = true) {
    ctx.font = '11px system-ui, sans-serif';
    ctx.fillStyle = '#7d8794';
    ctx.strokeStyle = 'rgba(255,255,255,0.06)';
    ctx.lineWidth = 1;
    ctx.textAlign = 'right';
    ctx.textBaseline = 'middle';
    for (let v = 0; v <= scale.max + 1e-9; v += scale.step) {
      const py = Math.round(y(v)) + 0.5;
      ctx.beginPath();
      ctx.moveTo(box.left, py);
      ctx.lineTo(box.left + box.width, py);
      ctx.stroke();
      if (labels) ctx.fillText(byUnit(this.unit, v), box.left - 6, py);
    }
    const span = this.to - this.from;
    const step = TIME_STEPS.find((s) => span / s <= Math.max(2, box.width / 90)) ?? TIME_STEPS.at(-1);
    const offset = new Date().getTimezoneOffset() * 60_000;
    ctx.textAlign = 'center';
    ctx.textBaseline = 'top';
    for (let t = Math.ceil((this.from - offset) / step) * step + offset; t <= this.to; t += step) {
      const px = Math.round(x(t)) + 0.5;
      ctx.beginPath();
      ctx.moveTo(px, box.top);
      ctx.lineTo(px, box.top + box.height);
      ctx.stroke();
      ctx.fillText(timeLabel(t, step), px, box.top + box.height + 5);
    }
  }

  drawBands(ctx, box, x) {
    for (const b of this.bands) {
      const a = Math.max(box.left, x(b.from));
      const e = Math.min(box.left + box.width, x(b.to ?? this.to));
      if (e <= a) continue;
      ctx.fillStyle = b.severity === 'critical' ? 'rgba(239, 71, 111, 0.16)' : 'rgba(255, 209, 102, 0.13)';
      ctx.fillRect(a, box.top, e - a, box.height);
      ctx.fillStyle = b.severity === 'critical' ? '#ef476f' : '#ffd166';
      ctx.fillRect(a, box.top, e - a, 2);
    }
  }

  /** One element per gap in range, over the plot (elements, not pixels: they carry the kind for a test and a
   * screen reader); the hover read-out explains the one under the pointer. */
  placeGaps(box, x) {
    const shown = this.gaps.filter((g) => g.toMs > this.from && g.fromMs < this.to);
    const layer = this.gapLayer;
    while (layer.children.length > shown.length) layer.lastChild.remove();
    while (layer.children.length < shown.length) layer.appendChild(document.createElement('div'));
    shown.forEach((g, i) => {
      const el = layer.children[i];
      const a = Math.max(box.left, x(g.fromMs));
      const e = Math.min(box.left + box.width, x(g.toMs));
      el.className = `gap-band gap-${g.kind}`;
      el.dataset.kind = g.kind;
      el.dataset.from = g.fromMs;
      el.dataset.to = g.toMs;
      el.setAttribute('aria-label', this.gapText(g));
      Object.assign(el.style, { left: `${a}px`, width: `${Math.max(2, e - a)}px`, top: `${box.top}px`, height: `${box.height}px` });
    });
  }

  gapText(g) {
    const lost = g.kind === 'lost' && g.batches ? ` (${g.batches} batches)` : '';
    return `${GAP_TEXT[g.kind] ?? g.kind}${lost}: ${clock(g.fromMs)} – ${clock(g.toMs)}, ${duration(g.toMs - g.fromMs)}`;
  }

  drawLines(ctx, x, y) {
    ctx.lineWidth = 1.4;
    ctx.lineJoin = 'round';
    for (const s of this.series) {
      ctx.strokeStyle = s.color;
      ctx.beginPath();
      let prev = null;
      for (let i = 0; i < s.t.length; i++) {
        const v = s.v[i];
        if (v == null) { prev = null; continue; }
        const px = x(s.t[i]);
        const py = y(v);
        if (prev == null || s.t[i] - prev > this.gapMs) ctx.moveTo(px, py); else ctx.lineTo(px, py);
        prev = s.t[i];
      }
      ctx.stroke();
    }
  }

  drawStacks(ctx, stacks, x, y) {
    stacks.forEach((st, si) => {
      const color = this.series[si].color;
      if (!st.t.length) return;
      ctx.beginPath();
      st.t.forEach((t, i) => (i ? ctx.lineTo(x(t), y(st.hi[i])) : ctx.moveTo(x(t), y(st.hi[i]))));
      for (let i = st.t.length - 1; i >= 0; i--) ctx.lineTo(x(st.t[i]), y(st.lo[i]));
      ctx.closePath();
      ctx.globalAlpha = 0.55;
      ctx.fillStyle = color;
      ctx.fill();
      ctx.globalAlpha = 1;
      ctx.beginPath();
      st.t.forEach((t, i) => (i ? ctx.lineTo(x(t), y(st.hi[i])) : ctx.moveTo(x(t), y(st.hi[i]))));
      ctx.strokeStyle = color;
      ctx.lineWidth = 1;
      ctx.stroke();
    });
  }

  /** Crosshair and a read-out of every series at the hovered time; the header shows the latest total. */
  drawHover(ctx, box, x, y) {
    const last = this.series.map((s) => s.v.at(-1)).filter((v) => v != null);
    this.valueEl.textContent = last.length === 1 ? byUnit(this.unit, last[0]) : '';
    if (this.hoverX == null || this.hoverX < box.left || !this.series.length) {
      this.tip.hidden = true;
      return;
    }
    const t = this.timeAt(this.hoverX);
    const gap = this.gaps.find((g) => t >= g.fromMs && t < g.toMs);
    const gapRow = gap ? `<div class="tip-gap gap-${gap.kind}">${this.gapText(gap).replace(/</g, '&lt;')}</div>` : '';
    const rows = [];
    let at = null;
    for (const s of this.series) {
      if (!s.t.length) continue;
      const i = bisect(s.t, t);
      if (Math.abs(s.t[i] - t) > Math.max(this.gapMs, (this.to - this.from) / 50)) continue;
      at ??= s.t[i];
      rows.push({ s, v: s.v[i] });
    }
    if (at == null) {
      this.tip.hidden = !gap;
      if (gap) {
        this.tip.innerHTML = `<b>${clock(t)}</b>${gapRow}`;
        this.tip.style.left = `${this.hoverX + 12}px`;
        this.tip.style.right = '';
      }
      return;
    }
    const px = Math.round(x(at)) + 0.5;
    ctx.strokeStyle = 'rgba(255,255,255,0.35)';
    ctx.beginPath();
    ctx.moveTo(px, box.top);
    ctx.lineTo(px, box.top + box.height);
    ctx.stroke();
    rows.sort((a, b) => (b.v ?? -Infinity) - (a.v ?? -Infinity));
    this.tip.innerHTML = `<b>${clock(at)}</b>${gapRow}` + rows.slice(0, 12).map((r) =>
      `<div><i style="background:${r.s.color}"></i>${r.s.name.replace(/</g, '&lt;')}<span>${byUnit(this.unit, r.v)}</span></div>`,
    ).join('');
    this.tip.hidden = false;
    const right = px > box.left + box.width / 2;
    this.tip.style.left = right ? '' : `${px + 12}px`;
    this.tip.style.right = right ? `${this.canvas.clientWidth - px + 12}px` : '';
  }
}
