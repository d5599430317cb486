// The machine view's chart groups: one module each, one line here. A group names the metrics it reads
// (through /api/history and the live detail) and how to label, filter and stack their series.

import cpuMode from './cpu-mode.js';
import cpuCore from './cpu-core.js';
import memory from './memory.js';
import load from './load.js';
import disk from './disk.js';
import diskio from './diskio.js';
import net from './net.js';
import temperature from './temperature.js';
import pressure from './pressure.js';

export const chartGroups = [cpuMode, cpuCore, memory, load, disk, diskio, net, pressure, temperature];

/** Canonical series id, the same text the hub uses: `metric{a="x",b="y"}`. */
export function seriesId(metric, labels = {}) {
  const keys = Object.keys(labels).sort();
  if (!keys.length) return metric;
  return `${metric}{${keys.map((k) => `${k}="${labels[k]}"`).join(',')}}`;
}
