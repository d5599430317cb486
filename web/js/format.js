// Number and time formatting shared by every panel.

const BYTE_UNITS = ['B', 'kB', 'MB', 'GB', 'TB', 'PB'];

/** 1536 → "1.5 kB" (powers of 1000: what disks and links are sold in). */
export function bytes(value, digits = 1) {
  if (value == null || !Number.isFinite(value)) return '–';
  let v = Math.abs(value);
  let i = 0;
  while (v >= 1000 && i < BYTE_UNITS.length - 1) { v /= 1000; i++; }
  const text = v >= 100 || i === 0 ? v.toFixed(0) : v.toFixed(digits);
  return `${value < 0 ? '-' : ''}${text} ${BYTE_UNITS[i]}`;
}

/** Bytes per second, "1.2 MB/s". */
export function rate(value) {
  return value == null ? '–' : `${bytes(value)}/s`;
}

/** 41.23 → "41%"; below 10 keeps one decimal. */
export function percent(value) {
  if (value == null || !Number.isFinite(value)) return '–';
  return `${value < 10 ? value.toFixed(1) : value.toFixed(0)}%`;
}

/** A 0…1 share of time with data: "100%", "99.7%" (floored, so one missing sample in a week is not 100%). */
export function completeness(ratio) {
  if (ratio == null || !Number.isFinite(ratio)) return '–';
  const tenths = Math.floor(ratio * 1000) / 10;
  return tenths >= 100 ? '100%' : `${tenths.toFixed(1)}%`;
}

/** What each kind of data gap means, for tooltips and the legend. */
export const GAP_TEXT = {
  back_filled: 'back-filled: the link was down, the buffer delivered later',
  lost: 'lost: the collector\'s buffer overflowed',
  machine_down: 'machine down: no sample was taken',
  open: 'open: still missing',
};

/** A plain number with sensible precision. */
export function number(value) {
  if (value == null || !Number.isFinite(value)) return '–';
  const a = Math.abs(value);
  if (a >= 1e9) return `${(value / 1e9).toFixed(1)}G`;
  if (a >= 1e6) return `${(value / 1e6).toFixed(1)}M`;
  if (a >= 1e4) return `${(value / 1e3).toFixed(1)}k`;
  if (a >= 100) return value.toFixed(0);
  if (a >= 10) return value.toFixed(1);
  return value.toFixed(2);
}

/** Formats a value by catalog unit. */
export function byUnit(unit, value) {
  switch (unit) {
    case 'percent': return percent(value);
    case 'bytes': return bytes(value);
    case 'bytes/s': return rate(value);
    case 'seconds': return duration(value * 1000);
    case '°C': return value == null ? '–' : `${value.toFixed(0)} °C`;
    default: return number(value);
  }
}

/** 93_000 ms → "1m 33s"; coarse beyond an hour. */
export function duration(ms) {
  if (ms == null || !Number.isFinite(ms)) return '–';
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${s % 60}s`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h ${m % 60}m`;
  return `${Math.floor(h / 24)}d ${h % 24}h`;
}

/** "3s ago", "never". */
export function ago(ms, now) {
  if (ms == null) return 'never';
  return `${duration(now - ms)} ago`;
}

/** Wall-clock time, with the date when not today. */
export function clock(ms) {
  if (ms == null) return '–';
  const d = new Date(ms);
  const today = new Date();
  const time = d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false });
  if (d.toDateString() === today.toDateString()) return time;
  return `${d.toLocaleDateString([], { month: 'short', day: 'numeric' })} ${time}`;
}

/** Escapes text for innerHTML templates. */
export function esc(text) {
  return String(text ?? '').replace(/[&<>"']/g, (c) => ({
    '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;',
  })[c]);
}
