// The top-processes table of the machine view (data from the subscribed detail stream).

import { bytes, esc } from '../format.js';

/** Renders the busiest processes, by CPU share, into `el`. */
export function renderTop(el, top) {
  if (!top || !top.length) {
    el.innerHTML = '<p class="muted">No process list from this machine.</p>';
    return;
  }
  const rows = [...top].sort((a, b) => b.cpuPercent - a.cpuPercent).slice(0, 15).map((p) => `<tr>
    <td class="num">${p.pid}</td><td>${esc(p.name)}</td>
    <td class="num"><span class="cpu-bar" style="--w:${Math.min(100, p.cpuPercent)}%"></span>${p.cpuPercent.toFixed(1)}%</td>
    <td class="num">${bytes(p.memoryBytes)}</td></tr>`).join('');
  el.innerHTML = `<table><thead><tr><th class="num">PID</th><th>Process</th><th class="num">CPU</th>
    <th class="num">Memory</th></tr></thead><tbody>${rows}</tbody></table>`;
}
