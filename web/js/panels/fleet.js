// Fleet view: one card per machine, worst first, with live figures and ~120 s sparklines.
// Only cards that changed and are on screen are redrawn, batched into one animation frame.

import { drawSparkline } from '../chart.js';
import { ago, bytes, clock, completeness, duration, esc, percent, rate } from '../format.js';

const STATUS_TEXT = { critical: 'critical', warning: 'warning', down: 'down', pending: 'pending', ok: 'ok' };

function cardHTML(id) {
  return `<header><span class="dot"></span><a class="name" href="#/machine/${encodeURIComponent(id)}">${esc(id)}</a>
    <span class="badges"></span></header>
    <div class="sub"></div>
    <div class="row"><label>CPU</label><b class="v-cpu"></b><canvas class="spark s-cpu"></canvas></div>
    <div class="row"><label>MEM</label><b class="v-mem"></b><canvas class="spark s-mem"></canvas></div>
    <div class="row"><label>NET</label><b class="v-net"></b><canvas class="spark s-net"></canvas></div>
    <div class="row"><label>DISK</label><b class="v-disk"></b><div class="bar"><i></i></div></div>
    <footer><span class="load"></span><span class="top-container"></span><span class="data"></span><span class="seen"></span></footer>
    <div class="overlay"></div>`;
}

class FleetPanel {
  constructor(root, { store }) {
    this.store = store;
    this.cards = new Map();
    this.dirty = new Set();
    this.visible = new Set();
    this.filter = '';
    this.frame = 0;
    root.innerHTML = `<div class="toolbar"><div class="counts"></div>
      <input class="filter" type="search" placeholder="filter machines, labels…" aria-label="filter"></div>
      <div class="grid"></div><p class="empty" hidden></p>`;
    this.root = root;
    this.grid = root.querySelector('.grid');
    this.countsEl = root.querySelector('.counts');
    this.emptyEl = root.querySelector('.empty');
    // The whole card opens the machine (the name is a link too, for a new tab); Enter does it from the keyboard.
    const open = (e) => {
      const card = e.target.closest('.card');
      if (!card || e.target.closest('a')) return;
      location.hash = `#/machine/${encodeURIComponent(card.dataset.id)}`;
    };
    this.grid.addEventListener('click', open);
    this.grid.addEventListener('keydown', (e) => { if (e.key === 'Enter') open(e); });
    root.querySelector('.filter').addEventListener('input', (e) => {
      this.filter = e.target.value.trim().toLowerCase();
      this.layout();
    });
    this.observer = new IntersectionObserver((entries) => {
      for (const e of entries) {
        const id = e.target.dataset.id;
        if (e.isIntersecting) { this.visible.add(id); this.dirty.add(id); } else this.visible.delete(id);
      }
      this.schedule();
    });
    // Sparklines slide with time and "seen … ago" ages: refresh visible cards every second.
    this.ticker = setInterval(() => { for (const id of this.visible) this.dirty.add(id); this.schedule(); }, 1000);
    this.layout();
  }

  unmount() {
    clearInterval(this.ticker);
    cancelAnimationFrame(this.frame);
    this.observer.disconnect();
  }

  onChange(change) {
    if (change.snapshot || change.reorder) this.layout();
    for (const id of change.machines) this.dirty.add(id);
    this.renderCounts();
    this.schedule();
  }

  matches(m) {
    if (!this.filter) return true;
    const text = [m.id, m.host, m.status, ...Object.entries(m.labels || {}).flat()].join(' ').toLowerCase();
    return text.includes(this.filter);
  }

  /** Creates missing cards, drops removed ones and puts the rest in trouble order. */
  layout() {
    const ids = this.store.order.filter((id) => this.matches(this.store.machines.get(id)));
    const keep = new Set(this.store.order);
    for (const [id, card] of this.cards) {
      if (!keep.has(id)) { this.observer.unobserve(card.el); card.el.remove(); this.cards.delete(id); }
    }
    let previous = null;
    for (const id of ids) {
      let card = this.cards.get(id);
      if (!card) {
        const el = document.createElement('article');
        el.className = 'card';
        el.dataset.id = id;
        el.tabIndex = 0;
        el.innerHTML = cardHTML(id);
        card = { el, q: (s) => el.querySelector(s) };
        card.refs = Object.fromEntries(['.sub', '.badges', '.v-cpu', '.v-mem', '.v-net', '.v-disk', '.bar i', '.data',
          '.load', '.top-container', '.seen', '.overlay', '.s-cpu', '.s-mem', '.s-net'].map((s) => [s, el.querySelector(s)]));
        this.cards.set(id, card);
        this.observer.observe(el);
        this.dirty.add(id);
      }
      card.el.hidden = false;
      const expected = previous ? previous.nextSibling : this.grid.firstChild;
      if (expected !== card.el) this.grid.insertBefore(card.el, expected);
      previous = card.el;
    }
    const shown = new Set(ids);
    for (const [id, card] of this.cards) if (!shown.has(id)) card.el.hidden = true;
    this.emptyEl.hidden = ids.length > 0;
    this.emptyEl.textContent = this.store.machines.size ? 'No machine matches the filter.'
      : !this.store.received ? 'Waiting for the hub…'
        : this.store.readOnly ? 'No machine is shared here yet (waiting for the hub to push).' : 'The spec declares no machines.';
    this.renderCounts();
    this.schedule();
  }

  renderCounts() {
    const c = this.store.counts();
    this.countsEl.innerHTML = `<span>${this.store.machines.size} machines</span>` + ['critical', 'warning', 'down',
      'pending', 'ok'].filter((s) => c[s]).map((s) => `<span class="pill st-${s}">${c[s]} ${STATUS_TEXT[s]}</span>`).join('');
  }

  schedule() {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      for (const id of this.dirty) {
        if (!this.visible.has(id)) continue;
        this.dirty.delete(id);
        this.renderCard(id);
      }
    });
  }

  renderCard(id) {
    const m = this.store.machines.get(id);
    const card = this.cards.get(id);
    if (!m || !card) return;
    const r = card.refs;
    const v = m.values || {};
    const now = this.store.now();
    card.el.className = `card st-${m.status}`;
    const sub = [m.host, v.cores ? `${v.cores} cores` : null, v.uptimeSeconds ? `up ${duration(v.uptimeSeconds * 1000)}` : null,
      ...Object.entries(m.labels || {}).map(([k, val]) => `${k}=${val}`)].filter(Boolean);
    r['.sub'].textContent = sub.join(' · ');
    const firing = (m.alerts || []).filter((a) => a.state === 'firing');
    r['.badges'].innerHTML = firing.map((a) => `<span class="badge sev-${a.severity}" title="${esc(a.message || a.series || '')}">${esc(a.rule)}</span>`).join('')
      + (m.specDrift ? '<span class="badge drift" title="collector runs an older spec">drift</span>' : '');
    r['.v-cpu'].textContent = percent(v.cpu);
    r['.v-mem'].textContent = v.memoryTotalBytes ? `${percent(v.memory)} · ${bytes(v.memoryTotalBytes, 0)}` : percent(v.memory);
    r['.v-net'].textContent = v.netRxBytes == null ? '–' : `↓${rate(v.netRxBytes)} ↑${rate(v.netTxBytes)}`;
    r['.v-disk'].textContent = v.disk == null ? '–' : `${percent(v.disk)} ${v.diskMount ?? ''}`;
    r['.bar i'].style.width = `${Math.min(100, v.disk ?? 0)}%`;
    r['.bar i'].className = v.disk >= 90 ? 'hot' : v.disk >= 80 ? 'warm' : '';
    r['.load'].textContent = v.load1 == null ? '' : `load ${v.load1.toFixed(2)}`;
    const top = dominantContainer(v);
    r['.top-container'].textContent = top ? `${top.name} ${percent(top.share)} of CPU` : '';
    r['.top-container'].title = top ? `the container ${top.name} uses most of this machine's CPU` : '';
    r['.seen'].textContent = m.lastSeenMs ? `seen ${ago(m.lastSeenMs, now)}` : '';
    // Completeness of the last 24 h: the share of time with data (gaps back-filled later count as data).
    const c = m.completeness;
    r['.data'].textContent = c?.['24h'] == null ? '' : `data ${completeness(c['24h'])}`;
    r['.data'].title = c ? `data completeness: 1h ${completeness(c['1h'])} · 24h ${completeness(c['24h'])} · 7d ${completeness(c['7d'])}` : '';
    r['.data'].className = c?.['24h'] != null && c['24h'] < 0.999 ? 'data gappy' : 'data';
    r['.overlay'].textContent = m.status === 'pending' ? 'pending: not set up yet'
      : m.status === 'down' ? `down since ${clock(m.lastSeenMs)}` : '';
    const h = this.store.history.get(id) || { t: [], cpu: [], mem: [], net: [] };
    drawSparkline(r['.s-cpu'], h.t, h.cpu, { now, max: 100, color: '#4cc9f0' });
    drawSparkline(r['.s-mem'], h.t, h.mem, { now, max: 100, color: '#a78bfa' });
    drawSparkline(r['.s-net'], h.t, h.net, { now, color: '#06d6a0' });
  }
}

/**
 * The container that uses most of a busy machine's CPU: at least half of what the machine uses, and the machine at
 * least 10% busy; its share is of all cores, as the card's CPU figure is. Null otherwise.
 */
export function dominantContainer(v) {
  if (v.topContainer == null || v.topContainerCpu == null || !v.cores || v.cpu == null || v.cpu < 10) return null;
  const share = v.topContainerCpu / v.cores;
  return share >= v.cpu / 2 ? { name: v.topContainer, share } : null;
}

export default {
  id: 'fleet',
  title: 'Fleet',
  match: (path) => (path === '' || path === '/' ? {} : null),
  mount: (root, ctx) => new FleetPanel(root, ctx),
};
