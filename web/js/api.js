// REST calls to the gateway; errors carry the gateway's `{"error": …}` message. A 401 (the session ended) goes
// back to the login form.

import { writeHeaders } from './session.js';

async function getJSON(path, signal) {
  const response = await fetch(path, { signal, headers: { accept: 'application/json' } });
  if (response.status === 401) location.replace('/');
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

/** One machine's data gaps in [from, to] (ms) and its completeness: `{machines: [{gaps, completeness…}]}`. */
export function gaps(machine, from, to, signal) {
  const q = new URLSearchParams({ machine, from: String(Math.round(from)), to: String(Math.round(to)) });
  return getJSON(`/api/gaps?${q}`, signal);
}

export function machine(id, signal) {
  return getJSON(`/api/machines/${encodeURIComponent(id)}`, signal);
}

/** Active alerts and each notification channel's delivery (`{alerts, channels}`). */
export function alerts(signal) {
  return getJSON('/api/alerts', signal);
}

export function alertHistory(limit = 500, signal) {
  return getJSON(`/api/alerts/history?limit=${limit}`, signal);
}

/** A write (POST, DELETE…): JSON in and out, with the CSRF token the hub requires of a logged-in browser. */
export async function send(method, path, body) {
  const response = await fetch(path, {
    method,
    headers: { accept: 'application/json', 'content-type': 'application/json', ...writeHeaders() },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (response.status === 401) location.replace('/');
  let answer = null;
  try { answer = await response.json(); } catch { /* not JSON */ }
  if (!response.ok) throw new Error(answer?.error || `${response.status} ${response.statusText}`);
  return answer;
}

export function silences(signal) {
  return getJSON('/api/silences', signal);
}

/** Mutes notifications of a machine and/or rule for a while (admins only). */
export function addSilence(silence) {
  return send('POST', '/api/silences', silence);
}

export function removeSilence(id) {
  return send('DELETE', `/api/silences/${encodeURIComponent(id)}`);
}

/** Acknowledges one firing alert (`{machine, rule, series?, comment?}`): repeats stop until it resolves. */
export function acknowledge(ack) {
  return send('POST', '/api/acks', ack);
}
