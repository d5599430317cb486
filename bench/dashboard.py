#!/usr/bin/env python3
"""The dashboard under load: opens it in headless Chromium (selenium, as tests/browser does), waits for cards, then
for a window measures the browser's CPU (all Chromium processes under chromedriver) and the latency from a sample's
time to the card's figure changing in the DOM.

Usage: dashboard.py URL --seconds 30 --out FILE
"""
import argparse, json, os, subprocess, sys, time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "browser"))
from check_dashboard import make_driver, wait_for  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402

# Runs before the page's own scripts: remembers each machine's lastSampleMs from the WebSocket (a listener added at
# construction runs before the app's onmessage), and when a card's CPU figure is written, records Date.now() minus
# the sample time, once per new sample. Cost: a second JSON.parse of each message, included in the CPU figure.
HOOK_JS = """
(() => {
  const last = {}, seen = {};
  window.__benchLat = [];
  const Orig = window.WebSocket;
  function Hooked(...a) {
    const s = new Orig(...a);
    s.addEventListener('message', (e) => {
      try { for (const m of JSON.parse(e.data).machines || []) if (m.lastSampleMs) last[m.id] = m.lastSampleMs; } catch (_) {}
    });
    return s;
  }
  Hooked.prototype = Orig.prototype;
  for (const k of ['CONNECTING', 'OPEN', 'CLOSING', 'CLOSED']) Hooked[k] = Orig[k];
  window.WebSocket = Hooked;
  new MutationObserver((records) => {
    const now = Date.now();
    for (const r of records) {
      const el = r.target.nodeType === 1 ? r.target : r.target.parentElement;
      if (!el || !el.classList || !el.classList.contains('v-cpu')) continue;
      const card = el.closest('.card');
      const id = card && card.dataset.id, t = id && last[id];
      if (t && seen[id] !== t) { seen[id] = t; window.__benchLat.push(now - t); }
    }
  }).observe(document, { subtree: true, childList: true, characterData: true });
})();
"""


def quantile(s, q):
    return s[min(len(s) - 1, max(0, int(-(-q * len(s) // 1)) - 1))] if s else None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("url")
    ap.add_argument("--seconds", type=float, default=30)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    driver = make_driver()
    try:
        driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": HOOK_JS})
        driver.get(args.url)
        cards = wait_for(lambda: len(driver.find_elements(By.CSS_SELECTOR, ".card")) >= 2, timeout=30)
        time.sleep(5)  # let the first frames and the snapshot's work settle
        driver.execute_script("window.__benchLat = []")
        tmp = args.out + ".proc"
        subprocess.run([sys.executable, os.path.join(HERE, "procwatch.py"), "--seconds", str(args.seconds), "--out", tmp,
                        f"chromium=tree:{driver.service.process.pid}"], check=True)
        proc = json.load(open(tmp))
        lat = sorted(driver.execute_script("return window.__benchLat"))
        ncards = len(driver.find_elements(By.CSS_SELECTOR, ".card"))
        chromium = proc["processes"]["chromium"]
        out = {"cards": ncards, "cardsReady": bool(cards), "windowSeconds": proc["wallSeconds"],
               "browserCpuShare": chromium["cpuShare"], "browserCpuSeconds": chromium["cpuSeconds"],
               "browserRssKB": chromium["rssKB"], "chromiumProcesses": chromium["processes"],
               "domUpdates": len(lat), "p50": quantile(lat, 0.5), "p99": quantile(lat, 0.99), "p999": quantile(lat, 0.999),
               "othersBusyShare": proc["machine"]["othersBusyShare"]}
        json.dump(out, open(args.out, "w"))
        print(json.dumps(out))
    finally:
        driver.quit()


if __name__ == "__main__":
    main()
