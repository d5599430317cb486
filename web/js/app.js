// Entry point: connects the live feed, routes #/… to panels, and shows the connection state honestly.

import { LiveConnection, State } from './live.js';
import { FleetStore } from './store.js';
import { panels } from './panels/registry.js';
import { duration, esc } from './format.js';
import * as session from './session.js';

const store = new FleetStore();
const main = document.querySelector('main');
const statusEl = document.querySelector('.conn');
const bannerEl = document.querySelector('.banner');
let current = null;
let connState = { state: State.connecting, info: {} };

const live = new LiveConnection(
  (msg) => store.apply(msg),
  (state, info) => { connState = { state, info }; renderConnection(); },
);

store.listen((change) => {
  current?.onChange?.(change);
  renderHeader();
});

function route() {
  const path = decodeURI(location.hash.replace(/^#/, '')) || '/';
  for (const panel of panels) {
    const params = panel.match(path);
    if (!params) continue;
    current?.unmount?.();
    main.innerHTML = '';
    main.className = `page-${panel.id}`;
    current = panel.mount(main, { store, live }, params);
    for (const a of document.querySelectorAll('nav a')) a.classList.toggle('on', a.dataset.panel === panel.id);
    return;
  }
  location.hash = '#/';
}

function renderHeader() {
  document.querySelector('.spec').textContent = store.spec ? `${store.spec}` : '';
  const firing = store.alerts.filter((a) => a.state === 'firing');
  const crit = firing.filter((a) => a.severity === 'critical').length;
  const alertsLink = document.querySelector('nav a[data-panel="alerts"] .count');
  alertsLink.textContent = firing.length ? String(firing.length) : '';
  alertsLink.className = `count ${crit ? 'sev-critical' : firing.length ? 'sev-warning' : ''}`;
  document.body.classList.toggle('read-only', store.readOnly);
}

function renderConnection() {
  const { state, info } = connState;
  statusEl.className = `conn conn-${state}`;
  if (state === State.live) {
    statusEl.textContent = 'live';
    bannerEl.hidden = true;
  } else if (state === State.connecting) {
    statusEl.textContent = 'connecting…';
    bannerEl.hidden = !store.received;
  } else {
    const secs = Math.max(0, Math.ceil((info.retryAt - Date.now()) / 1000));
    statusEl.textContent = 'hub unreachable';
    bannerEl.hidden = false;
    bannerEl.innerHTML = `Hub unreachable — the figures below are frozen. Reconnecting in ${esc(duration(secs * 1000))}
      <button class="retry">retry now</button>`;
    bannerEl.querySelector('.retry').onclick = () => live.retryNow();
  }
}

setInterval(() => { if (connState.state === State.unreachable) renderConnection(); }, 1000);

/** Who is logged in, shown in the header with a "log out" control (none on the edge or with login off). */
function renderUser(who) {
  const el = document.querySelector('.who');
  el.hidden = !who || who.auth !== 'login' || who.open;
  if (el.hidden) return;
  el.querySelector('.who-name').textContent = `${who.user} (${who.role})`;
  el.querySelector('.logout').onclick = async () => {
    await session.logout();
    location.replace('/');
  };
}

/** Logs in first when the hub asks for it (401), then shows the dashboard as before. */
async function start() {
  const params = new URLSearchParams(location.search);
  let who = await session.whoAmI();
  if (!who) {
    const note = params.get('link') === 'invalid'
      ? 'That login link was already used or has expired: log in below, or run smsctl apply for a new link.'
      : '';
    who = await session.askLogin(note);
  }
  if (who.mustSetPassword) await session.askNewPassword();
  if (params.has('link') || params.has('welcome')) history.replaceState(null, '', `/${location.hash}`);
  renderUser(who);
  window.addEventListener('hashchange', route);
  route();
  live.start();
}

start();
