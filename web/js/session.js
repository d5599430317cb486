// Login: who is logged in (GET /api/session), the login and set-password forms, log out, and the CSRF header
// that every write must carry. The edge (no /api/session, 404) and `hub.auth: none` need none of it.

let current = null;

/** The session (`{auth, user, role, csrf, mustSetPassword}`), or null when the hub wants a login (401). */
export async function whoAmI() {
  const response = await fetch('/api/session', { headers: { accept: 'application/json' }, cache: 'no-store' });
  if (response.status === 401) { current = null; return null; }
  if (response.status === 404) { current = { auth: 'none', open: true }; return current; }
  if (!response.ok) throw new Error(`GET /api/session: ${response.status}`);
  current = await response.json();
  return current;
}

/** True when the session may write (silences): an admin (the panel also checks that this is not the edge). */
export function canWrite() {
  return current?.role === 'admin';
}

/** Headers for a write: the session's CSRF token (the hub refuses a cookie-authenticated write without it). */
export function writeHeaders() {
  return current?.csrf ? { 'X-CSRF-Token': current.csrf } : {};
}

async function post(path, body) {
  const response = await fetch(path, {
    method: 'POST', cache: 'no-store',
    headers: { 'content-type': 'application/json', accept: 'application/json', ...writeHeaders() },
    body: JSON.stringify(body ?? {}),
  });
  let answer = null;
  try { answer = await response.json(); } catch { /* not JSON */ }
  return { response, answer };
}

/** Logs in; resolves to the session, or throws with the hub's message (429 says how long to wait). */
export async function login(name, password) {
  const { response, answer } = await post('/api/login', { name, password });
  if (!response.ok) throw new Error(answer?.error || `${response.status} ${response.statusText}`);
  current = answer;
  return answer;
}

export async function logout() {
  await post('/api/logout');
  current = null;
}

/** Sets the one-time link admin's password. */
export async function setPassword(password) {
  const { response, answer } = await post('/api/password', { password });
  if (!response.ok) throw new Error(answer?.error || `${response.status} ${response.statusText}`);
  if (current) current.mustSetPassword = false;
}

/** Shows the login form until a login succeeds; resolves to the session. */
export function askLogin(note) {
  const overlay = document.querySelector('.login');
  const form = overlay.querySelector('form.sign-in');
  const message = overlay.querySelector('.login-message');
  overlay.querySelector('form.set-password').hidden = true;
  form.hidden = false;
  overlay.hidden = false;
  message.textContent = note || '';
  form.querySelector('[name=name]').focus();
  return new Promise((resolve) => {
    form.onsubmit = async (event) => {
      event.preventDefault();
      const button = form.querySelector('button');
      button.disabled = true;
      message.textContent = '';
      try {
        const session = await login(form.elements.name.value, form.elements.password.value);
        form.reset();
        overlay.hidden = true;
        resolve(session);
      } catch (e) {
        message.textContent = e.message;
      } finally {
        button.disabled = false;
      }
    };
  });
}

/** Asks the one-time link's admin for a password (twice); resolves once it is set. */
export function askNewPassword() {
  const overlay = document.querySelector('.login');
  const form = overlay.querySelector('form.set-password');
  const message = overlay.querySelector('.login-message');
  overlay.querySelector('form.sign-in').hidden = true;
  form.hidden = false;
  overlay.hidden = false;
  message.textContent = 'You are logged in as admin by the one-time link. Set the password for the next logins.';
  form.querySelector('[name=password]').focus();
  return new Promise((resolve) => {
    form.onsubmit = async (event) => {
      event.preventDefault();
      if (form.elements.password.value !== form.elements.again.value) {
        message.textContent = 'The two passwords differ.';
        return;
      }
      try {
        await setPassword(form.elements.password.value);
        form.reset();
        overlay.hidden = true;
        resolve();
      } catch (e) {
        message.textContent = e.message;
      }
    };
  });
}
