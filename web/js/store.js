// Client-side state: the fleet as the gateway last described it, ~120 s of per-machine history for
// sparklines, the alert list, and the clock offset to the server. Panels listen for changes.

const HISTORY_MS = 120_000;

export class FleetStore {
  constructor() {
    this.machines = new Map(); // id → summary
    this.history = new Map(); // id → { t: [], cpu: [], mem: [], net: [] }
    this.details = new Map(); // id → latest detail
    this.alerts = [];
    this.spec = '';
    this.specHash = '';
    this.readOnly = false;
    this.offsetMs = 0; // server clock minus local clock
    this.order = []; // ids, worst first
    this.listeners = new Set();
    this.received = false;
  }

  /** Server time now, by the local clock corrected with the last message's timestamp. */
  now() { return Date.now() + this.offsetMs; }

  /** Registers `fn(change)`; change = { snapshot?, machines: Set, details: Set, alerts: bool }. */
  listen(fn) {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  emit(change) { for (const fn of this.listeners) fn(change); }

  apply(msg) {
    if (msg.serverTimeMs) this.offsetMs = msg.serverTimeMs - Date.now();
    if (msg.type === 'snapshot') return this.applySnapshot(msg);
    if (msg.type === 'update') return this.applyUpdate(msg);
  }

  applySnapshot(msg) {
    this.received = true;
    this.spec = msg.spec;
    this.specHash = msg.specHash;
    this.readOnly = !!msg.readOnly;
    const ids = new Set(msg.machines.map((m) => m.id));
    for (const id of [...this.machines.keys()]) if (!ids.has(id)) this.machines.delete(id);
    // The gateway sends the last ~120 s of card figures, so sparklines are full from the first frame.
    for (const [id, r] of Object.entries(msg.recent || {})) {
      this.history.set(id, { t: [...r.t], cpu: [...r.cpu], mem: [...r.mem], net: [...r.net] });
    }
    for (const m of msg.machines) this.put(m);
    this.alerts = msg.alerts || [];
    this.resort();
    this.emit({ snapshot: true, machines: ids, details: new Set(), alerts: true });
  }

  applyUpdate(msg) {
    const changed = new Set();
    let reorder = false;
    for (const m of msg.machines || []) {
      const old = this.machines.get(m.id);
      if (!old || old.status !== m.status) reorder = true;
      this.put(m);
      changed.add(m.id);
    }
    const details = new Set();
    for (const d of msg.details || []) {
      this.details.set(d.machine.id, d);
      details.add(d.machine.id);
    }
    if (msg.alerts) this.alerts = msg.alerts;
    if (reorder) this.resort();
    this.emit({ reorder, machines: changed, details, alerts: !!msg.alerts });
  }

  /** Stores a summary and appends its figures to the sparkline history once per new sample. */
  put(m) {
    this.machines.set(m.id, m);
    let h = this.history.get(m.id);
    if (!h) {
      h = { t: [], cpu: [], mem: [], net: [] };
      this.history.set(m.id, h);
    }
    const t = m.lastSampleMs;
    if (t == null || (h.t.length && h.t[h.t.length - 1] >= t)) return;
    const v = m.values || {};
    h.t.push(t);
    h.cpu.push(v.cpu ?? null);
    h.mem.push(v.memory ?? null);
    h.net.push(v.netRxBytes == null && v.netTxBytes == null ? null : (v.netRxBytes || 0) + (v.netTxBytes || 0));
    const cutoff = t - HISTORY_MS;
    let drop = 0;
    while (drop < h.t.length && h.t[drop] < cutoff) drop++;
    if (drop) for (const k of ['t', 'cpu', 'mem', 'net']) h[k].splice(0, drop);
  }

  resort() {
    const rank = { critical: 0, warning: 1, down: 2, pending: 3, ok: 4 };
    this.order = [...this.machines.values()]
      .sort((a, b) => (rank[a.status] - rank[b.status]) || a.id.localeCompare(b.id))
      .map((m) => m.id);
  }

  /** Counts per status, for the header. */
  counts() {
    const c = { critical: 0, warning: 0, down: 0, pending: 0, ok: 0 };
    for (const m of this.machines.values()) c[m.status]++;
    return c;
  }
}
