// The WebSocket to the gateway: connects, reconnects with backoff, and re-sends subscriptions.

/** Connection states the header shows. */
export const State = Object.freeze({
  connecting: 'connecting',
  live: 'live',
  unreachable: 'unreachable',
});

export class LiveConnection {
  /**
   * @param {(msg: object) => void} onMessage called for every server message
   * @param {(state: string, info: object) => void} onState called when the connection state changes
   */
  constructor(onMessage, onState) {
    this.onMessage = onMessage;
    this.onState = onState;
    this.subscriptions = new Set();
    this.attempt = 0;
    this.socket = null;
    this.retryTimer = null;
  }

  url() {
    const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
    return `${scheme}//${location.host}/ws`;
  }

  start() {
    this.onState(State.connecting, { attempt: this.attempt });
    let socket;
    try {
      socket = new WebSocket(this.url());
    } catch (e) {
      this.scheduleRetry();
      return;
    }
    this.socket = socket;
    socket.onopen = () => {
      this.attempt = 0;
      for (const id of this.subscriptions) this.send({ subscribe: id });
    };
    socket.onmessage = (event) => {
      let msg;
      try { msg = JSON.parse(event.data); } catch { return; }
      if (msg.type === 'snapshot') this.onState(State.live, {});
      this.onMessage(msg);
    };
    socket.onclose = (event) => {
      if (this.socket !== socket) return;
      this.socket = null;
      this.scheduleRetry(event.code);
    };
    socket.onerror = () => { /* onclose follows and handles the retry */ };
  }

  /** Exponential backoff with jitter, 1 s up to 30 s; a "too far behind" close (1013) retries at once. */
  scheduleRetry(code) {
    const base = code === 1013 ? 250 : Math.min(30000, 1000 * 2 ** Math.min(this.attempt, 5));
    const delay = base * (0.75 + Math.random() * 0.5);
    this.attempt++;
    const retryAt = Date.now() + delay;
    this.onState(State.unreachable, { retryAt, code });
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => this.start(), delay);
  }

  /** Retries now (the "retry" link in the banner). */
  retryNow() {
    if (this.socket) return;
    clearTimeout(this.retryTimer);
    this.start();
  }

  send(obj) {
    if (this.socket && this.socket.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify(obj));
  }

  subscribe(id) {
    this.subscriptions.add(id);
    this.send({ subscribe: id });
  }

  unsubscribe(id) {
    this.subscriptions.delete(id);
    this.send({ unsubscribe: id });
  }
}
