// REST calls to the gateway; errors carry the gateway's `{"error": …}` message.

async function getJSON(path, signal) {
  const response = await fetch(path, { signal, headers: { accept: 'application/json' } });
  let body = null;
  try { body = await response.json(); } catch { /* not JSON */ }
  if (!response.ok) throw new Error(body?.error || `${response.status} ${response.statusText}`);
  return body;
}

/** Stored points of one metric of one machine in [from, to] (ms), series by series. */
export function history(machine, metric, from, to, signal) {
  const q = new URLSearchParams({ machine, metric, from: String(Math.round(from)), to: String(Math.round(to)) });
  return getJSON(`/api/history?${q}`, signal);
}

export function machine(id, signal) {
  return getJSON(`/api/machines/${encodeURIComponent(id)}`, signal);
}

export function alertHistory(limit = 500, signal) {
  return getJSON(`/api/alerts/history?limit=${limit}`, signal);
}
