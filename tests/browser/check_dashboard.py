"""Drives the sms dashboard in headless Chromium and checks what a user would notice.

Usage: check_dashboard.py URL OUTDIR [--public MACHINE,...]. Exit status 0 when every check passes; each failure is
printed. With --public (an edge), it checks the redaction instead: exactly those machines, no process table.
With SMS_E2E_USER and SMS_E2E_PASSWORD in the environment (never on the command line) it first logs in through the
dashboard's login form, as a user would, and at the end logs out.
"""

import os
import re
import tempfile
import sys
import time

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.common.action_chains import ActionChains

# Counts strongly coloured pixels of a canvas: grid lines and labels are grey, series are saturated.
COLOURED_PIXELS_JS = """
const c = arguments[0];
const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
let n = 0;
for (let i = 0; i < d.length; i += 4) {
  const mx = Math.max(d[i], d[i + 1], d[i + 2]), mn = Math.min(d[i], d[i + 1], d[i + 2]);
  if (d[i + 3] > 100 && mx - mn > 60) n++;
}
return n;
"""

# The share of a sparkline's width its line covers (its 120 s window is fixed: a line of 10 s covers a twelfth).
SPARK_SPAN_JS = """
const c = arguments[0];
const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
let lo = c.width, hi = -1;
for (let y = 0; y < c.height; y++) for (let x = 0; x < c.width; x++) {
  const i = (y * c.width + x) * 4;
  const mx = Math.max(d[i], d[i + 1], d[i + 2]), mn = Math.min(d[i], d[i + 1], d[i + 2]);
  if (d[i + 3] > 100 && mx - mn > 60) { if (x < lo) lo = x; if (x > hi) hi = x; }
}
return hi < 0 ? 0 : (hi - lo + 1) / c.width;
"""

# Every figure on every card, to see them change without a reload.
CARD_FIGURES_JS = """
return [...document.querySelectorAll('.card')].map((c) =>
  [...c.querySelectorAll('.v-cpu, .v-mem, .v-net, .seen')].map((e) => e.textContent).join('|')).join('\\n');
"""


class Checks:
    def __init__(self):
        self.failures = []

    def expect(self, ok, message):
        print(("ok   " if ok else "FAIL ") + message, flush=True)
        if not ok:
            self.failures.append(message)
        return ok


def wait_for(predicate, timeout=15.0, interval=0.25):
    """Polls until predicate() is truthy; returns its last value. The live views re-render as updates arrive, so
    an element found by one call may be gone by the next: that poll counts as not yet, and the next one retries."""
    deadline = time.time() + timeout

    def poll():
        try:
            return predicate()
        except StaleElementReferenceException:
            return None

    value = poll()
    while not value and time.time() < deadline:
        time.sleep(interval)
        value = poll()
    return value


def make_driver():
    options = webdriver.ChromeOptions()
    options.binary_location = os.environ.get("CHROMIUM", "/usr/bin/chromium")
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1440,1000",
                 "--force-device-scale-factor=1", "--disable-gpu"):
        options.add_argument(flag)
    spki = os.environ.get("SMS_E2E_SPKI")
    if spki:
        # The hub's own CA is not in Chromium's store: trust its certificate's key, and nothing else.
        options.add_argument("--ignore-certificate-errors-spki-list=" + spki)
        options.add_argument("--user-data-dir=" + tempfile.mkdtemp(prefix="sms-chromium-"))
    service = Service(executable_path=os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver"))
    return webdriver.Chrome(service=service, options=options)


def screenshot(driver, path, width=1440):
    """Full-page PNG (beyond the viewport) through the DevTools protocol."""
    height = driver.execute_script("return Math.max(document.body.scrollHeight, 1000)")
    driver.set_window_size(width, min(height + 40, 4000))
    time.sleep(0.6)
    driver.save_screenshot(path)
    driver.set_window_size(width, 1000 if width == 1440 else 900)
    print(f"     screenshot {path}")


def check_fleet(driver, url, out, checks):
    driver.get(url)
    cards = wait_for(lambda: driver.find_elements(By.CSS_SELECTOR, ".card"))
    checks.expect(len(cards) > 0, f"fleet view shows machine cards ({len(cards)})")
    if PUBLIC is not None:
        checks.expect(len(cards) == len(PUBLIC), f"only the public machines are shown ({len(cards)} cards, {PUBLIC})")
    live = wait_for(lambda: "live" in driver.find_element(By.CSS_SELECTOR, ".conn").text)
    checks.expect(bool(live), "connection indicator says live")
    first = driver.execute_script(CARD_FIGURES_JS)
    changed = wait_for(lambda: driver.execute_script(CARD_FIGURES_JS) != first, timeout=12)
    checks.expect(bool(changed), "card figures change live without a reload")
    if PUBLIC is None:
        # A declared machine that never reported is pending, not down, and pages nobody.
        pending = driver.execute_script(
            "return [...document.querySelectorAll('.card.st-pending')].map((c) => c.dataset.id)")
        checks.expect(bool(pending), f"a machine that never reported shows as pending ({pending})")
        alerts = driver.execute_script(
            "return fetch('/api/alerts').then((r) => r.json()).then((j) => j.alerts.map((a) => a.rule + '@' + a.machine))")
        checks.expect(not any(a.startswith("machine_down@") and a.split("@")[1] in pending for a in alerts),
                      f"no machine_down for a pending machine ({alerts})")
    time.sleep(3)  # let sparklines fill a little
    screenshot(driver, os.path.join(out, "fleet.png"))


def reporting_machine(driver):
    """Id of a card that shows figures (a machine that reports), else the first card."""
    return driver.execute_script("""
        const cards = [...document.querySelectorAll('.card')];
        const live = cards.find((c) => c.classList.contains('st-ok') || c.classList.contains('st-warning')
          || c.classList.contains('st-critical'));
        return (live || cards[0] || {dataset: {}}).dataset.id;
    """)


def check_machine(driver, url, out, checks):
    machine = reporting_machine(driver)
    if not checks.expect(machine is not None, "a machine to open"):
        return
    # The card's body opens the machine, not only its name.
    driver.find_element(By.CSS_SELECTOR, f'.card[data-id="{machine}"] .row label').click()
    opened = wait_for(lambda: driver.execute_script("return location.hash") == f"#/machine/{machine}")
    checks.expect(bool(opened), f"clicking the card's body opens {machine} ({driver.execute_script('return location.hash')})")
    charts = wait_for(lambda: driver.find_elements(By.CSS_SELECTOR, ".chart:not([hidden]) canvas"))
    checks.expect(len(charts) >= 4, f"machine view of {machine} shows charts ({len(charts)})")
    # A blank chart has no coloured pixels (grid and labels are grey). Through an edge, history starts at the first
    # push, so lines may be only a few points long: "drawn" means clearly non-blank, not "long".
    drawn = wait_for(lambda: sum(driver.execute_script(COLOURED_PIXELS_JS, c) > 30 for c in charts) >= 3)
    counts = [driver.execute_script(COLOURED_PIXELS_JS, c) for c in charts]
    checks.expect(bool(drawn), f"charts are drawn from history (coloured pixels per chart: {counts})")
    if os.path.exists("/proc/pressure/cpu"):
        # This machine's kernel has pressure-stall information: its chart shows cpu, memory and io.
        legends = wait_for(timeout=15 if PUBLIC is None else 3, predicate=lambda: driver.execute_script(
            "const c = [...document.querySelectorAll('.chart:not([hidden])')].find((e) => e.querySelector('h3')?.textContent.startsWith('Pressure'));"
            " return c ? [...c.querySelectorAll('.legend li')].map((li) => li.textContent.trim().split(' ')[0]) : null"))
        if PUBLIC is None:
            checks.expect(legends is not None and {"cpu", "memory", "io"} <= set(legends or []),
                          f"the Pressure chart shows cpu, memory and io ({legends})")
        else:
            # An edge shows cpu, memory, load and system unless its spec says more.
            checks.expect(legends is None, f"the public view has no Pressure chart ({legends})")
    check_containers(driver, checks)
    top = wait_for(lambda: driver.find_elements(By.CSS_SELECTOR, ".top-body tbody tr"), timeout=8)
    if PUBLIC is None:
        checks.expect(len(top) > 0, f"top processes table filled ({len(top)} rows)")
    else:
        checks.expect(len(top) == 0, f"no process names reach the public view ({len(top)} rows)")
    check_virtual_devices(driver, checks)
    if PUBLIC is None:
        check_gap_bands(driver, ["machine_down"], checks)
    driver.find_element(By.CSS_SELECTOR, 'button[data-range="1h"]').click()
    redrawn = wait_for(lambda: "on" in driver.find_element(By.CSS_SELECTOR, 'button[data-range="1h"]')
                       .get_attribute("class"))
    checks.expect(bool(redrawn), "time-range picker switches to 1h")
    driver.find_element(By.CSS_SELECTOR, 'button[data-range="15m"]').click()
    time.sleep(2)
    screenshot(driver, os.path.join(out, "machine.png"))


GAP_BANDS_JS = """
return [...document.querySelectorAll('.chart:not([hidden]) .gap-band')].map((b) => ({
  kind: b.dataset.kind, from: +b.dataset.from, to: +b.dataset.to, width: b.getBoundingClientRect().width,
  label: b.getAttribute('aria-label')}));
"""


def check_gap_bands(driver, kinds, checks):
    """The machine page draws the hub's data gaps (e2e.sh made them) as bands over the charts, coloured by kind;
    the Data figure says how complete the last hour is."""
    def bands():
        found = driver.execute_script(GAP_BANDS_JS)
        return found if all(any(b["kind"] == k and b["width"] > 0 for b in found) for k in kinds) else None
    found = wait_for(bands, timeout=30) or driver.execute_script(GAP_BANDS_JS)
    shown = sorted({(b["kind"], round((b["to"] - b["from"]) / 1000)) for b in found})
    checks.expect(all(any(b["kind"] == k for b in found) for k in kinds),
                  f"the charts show the {', '.join(kinds)} gap band(s) (bands: {shown})")
    legend = driver.execute_script("return document.querySelector('.gap-legend')?.textContent || ''")
    checks.expect(all(k.replace("_", " ") in legend or k.replace("_", "-") in legend for k in kinds),
                  f"the gap legend names them ({legend!r})")
    data = wait_for(lambda: driver.execute_script(
        "const d = [...document.querySelectorAll('.stats div')].find((e) => e.querySelector('label')?.textContent === 'Data');"
        " return d && d.querySelector('b').textContent.endsWith('%') ? d.textContent : null"), timeout=10)
    checks.expect(bool(data) and "100%" not in (data or "").split("24h")[0],
                  f"the Data figure shows the last hour incomplete ({data!r})")


CONTAINER_ROWS_JS = """
const p = document.querySelector('section.containers');
return p && !p.hidden ? [...p.querySelectorAll('tbody tr')].map((tr) => tr.querySelector('.cname').textContent.trim()) : [];
"""


def check_containers(driver, checks):
    """The Containers panel lists the test's own cgroup (e2e.sh makes it, with a process holding 32 MiB), with its
    memory; a click opens its chart. Through an edge, which shows no container metrics by default, it is absent."""
    cgroup = os.environ.get("SMS_E2E_CGROUP")
    if not cgroup:
        print("skip the Containers panel: no cgroup of the test's own (not root)", flush=True)
        return
    if PUBLIC is not None:
        rows = driver.execute_script(CONTAINER_ROWS_JS)
        checks.expect(cgroup not in rows, f"no container reaches the public view ({rows})")
        return
    rows = wait_for(lambda: cgroup in driver.execute_script(CONTAINER_ROWS_JS), timeout=20)
    checks.expect(bool(rows), f"the Containers panel lists the test's cgroup {cgroup} ({driver.execute_script(CONTAINER_ROWS_JS)})")
    if not rows:
        return
    memory = wait_for(lambda: driver.execute_script(
        "const tr = [...document.querySelectorAll('section.containers tbody tr')].find((r) =>"
        " r.querySelector('.cname').textContent.trim() === arguments[0]);"
        " return tr ? tr.children[3].textContent.trim() : null", cgroup), timeout=5)
    checks.expect(bool(memory) and memory.endswith("MB") and float(memory.split()[0]) >= 30,
                  f"its memory shows the 32 MiB its process holds ({memory})")
    driver.execute_script(
        "[...document.querySelectorAll('section.containers tbody tr')].find((r) =>"
        " r.querySelector('.cname').textContent.trim() === arguments[0]).click()", cgroup)
    chart = wait_for(lambda: driver.find_elements(By.CSS_SELECTOR, f'.containers-charts .chart[data-container="{cgroup}"] canvas'))
    checks.expect(bool(chart), "a click on the row opens the container's chart")


VIRTUAL = re.compile(r"^(lo|loop\d+|ram\d+|zram\d+|ifb\d+|veth\S*|docker\d*|br-\S+|virbr\S*) ")
LEGENDS_JS = "return [...document.querySelectorAll('.chart:not([hidden]) .legend li')].map((li) => li.textContent.trim())"


def check_virtual_devices(driver, checks):
    """Loop, RAM and zram disks and virtual interfaces (ifb, veth, bridges) are hidden until asked for."""
    names = driver.execute_script(LEGENDS_JS)
    shown = [n for n in names if VIRTUAL.match(n + " ")]
    checks.expect(not shown, f"no virtual device in the charts by default ({shown})")
    real = sorted({n.split()[0] for n in names})
    toggle = driver.find_element(By.CSS_SELECTOR, "input[name=virtual]")
    toggle.click()
    # This machine has some (zram0, ifb0… on the CI box); where it has none, ticking the box changes nothing.
    have = [d for d in os.listdir("/sys/class/net") if VIRTUAL.match(d + " ") and d != "lo"] if PUBLIC is None else []
    if have:
        appeared = wait_for(lambda: [n for n in driver.execute_script(LEGENDS_JS) if VIRTUAL.match(n + " ")])
        checks.expect(bool(appeared), f"ticking 'show virtual devices' shows them ({have} on this machine; real: {real})")
    toggle.click()
    gone = wait_for(lambda: not [n for n in driver.execute_script(LEGENDS_JS) if VIRTUAL.match(n + " ")])
    checks.expect(bool(gone), "unticking hides them again")


def check_pending(driver, url, out, checks):
    """A machine that never reported: its page says pending and how to set it up, and shows no made-up numbers."""
    pending = driver.execute_script(
        "return [...document.querySelectorAll('.card.st-pending')].map((c) => c.dataset.id)")
    if not pending:
        return
    driver.get(url.rstrip("/") + f"/#/machine/{pending[0]}")
    said = wait_for(lambda: "Pending" in driver.find_element(By.CSS_SELECTOR, ".machine-state").text)
    state = driver.find_element(By.CSS_SELECTOR, ".machine-state").text
    checks.expect(bool(said) and "smsctl apply" in state, f"the pending machine's page says how to set it up ({state!r})")
    stats = driver.find_element(By.CSS_SELECTOR, ".stats").text
    checks.expect("0 B" not in stats and "0%" not in stats, f"no made-up figures for a machine without data ({stats!r})")
    time.sleep(1)
    screenshot(driver, os.path.join(out, "pending.png"))


def check_unknown(driver, url, checks):
    """An id that is no machine: said so, with no charts drawn and no request failing."""
    driver.get(url.rstrip("/") + "/#/machine/no-such-machine")
    said = wait_for(lambda: "No machine" in driver.find_element(By.CSS_SELECTOR, ".machine-state").text)
    checks.expect(bool(said), "an unknown machine id is said to be unknown")
    charts = driver.find_elements(By.CSS_SELECTOR, ".charts:not([hidden]) .chart")
    checks.expect(not charts, f"no charts for an unknown machine ({len(charts)})")
    time.sleep(1)
    asked = driver.execute_script(
        "return performance.getEntriesByType('resource').map((e) => e.name).filter((n) => n.includes('/api/history') && n.includes('machine=no-such-machine'))")
    checks.expect(not asked, f"no history requested for an unknown machine ({len(asked)})")


def check_alerts(driver, url, out, checks):
    driver.get(url.rstrip("/") + "/#/alerts")
    ok = wait_for(lambda: driver.find_elements(By.CSS_SELECTOR, ".page-alerts .panel"))
    checks.expect(bool(ok), "alert list renders")
    active = driver.execute_script(
        "return [...document.querySelectorAll('.active tbody tr')].map((r) => [...r.cells].map((c) => c.textContent))")
    for cells in active:
        value, threshold = cells[6], cells[7]
        checks.expect(value.endswith(("%", "s", "B", "B/s", "°C")) and threshold.endswith(("%", "s", "B", "B/s", "°C")),
                      f"an active alert's value and threshold carry units ({value!r} / {threshold!r})")
    past = driver.execute_script(
        "return [...document.querySelectorAll('.past tbody tr')].map((r) => r.cells[5].textContent)")
    checks.expect(all(" – " in when for when in past), f"resolved periods only under Resolved ({past[:3]})")
    if PUBLIC is None:
        # The spec's webhook is down: the page says the channel is failing, and why, in one line.
        failing = wait_for(lambda: driver.execute_script(
            "return [...document.querySelectorAll('.channels tbody tr.channel-failing')].map((r) => [...r.cells].map((c) => c.textContent.trim()))"),
            timeout=30)
        row = failing[0] if failing else []
        checks.expect(len(row) == 5 and row[0] == "ops" and row[4] and "\n" not in row[4],
                      f"a notification channel that cannot deliver is shown failing, with its error in one line ({row})")
    if PUBLIC is not None:
        driver.get(url.rstrip("/") + "/#/machine/mcrn")
        time.sleep(2)
        checks.expect(not driver.find_elements(By.CSS_SELECTOR, ".malerts .silence-open"),
                      "the public machine page offers no silencing")
        driver.get(url.rstrip("/") + "/#/alerts")
        time.sleep(1)
        controls = driver.find_elements(By.CSS_SELECTOR, ".silence-open, .silence-form, .silences-panel:not([hidden]), .ack-open, .ack-form")
        checks.expect(not controls, f"the public view offers no silencing or acknowledging ({len(controls)} controls)")
        # The hub's run acknowledged cpu_busy on mcrn: the public view shows that, not who did or why.
        badges = wait_for(lambda: [b.text for b in driver.find_elements(By.CSS_SELECTOR, ".active .badge.ack")], timeout=20)
        checks.expect(badges == ["acknowledged"], f"the public view shows an acknowledged alert without its name ({badges})")
    time.sleep(1)
    screenshot(driver, os.path.join(out, "alerts.png"))


def check_silence(driver, url, out, checks):
    """An admin silences the firing cpu_busy on mcrn from its alert row: for 4 hours, with a reason."""
    driver.get(url.rstrip("/") + "/#/alerts")
    button = wait_for(lambda: driver.find_elements(By.CSS_SELECTOR, ".silence-open[data-rule='cpu_busy'][data-machine='mcrn']"))
    checks.expect(bool(button), "a firing alert's row offers Silence… to an admin")
    if not button:
        return
    # Clicked in the page in one step: the list is re-rendered live, so a found element can be replaced before a click.
    driver.execute_script("document.querySelector(\".silence-open[data-rule='cpu_busy'][data-machine='mcrn']\").click()")
    form = wait_for(lambda: driver.find_elements(By.CSS_SELECTOR, ".silence-form"))
    checks.expect(bool(form), "the silence form opens under the list")
    if not form:
        return
    form[0].find_element(By.CSS_SELECTOR, "select[name=for] option[value='4h']").click()
    form[0].find_element(By.CSS_SELECTOR, "input[name=reason]").send_keys("e2e: planned load test")
    form[0].find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    listed = wait_for(lambda: [r.text for r in driver.find_elements(By.CSS_SELECTOR, ".silences tbody tr")
                               if "cpu_busy on mcrn" in r.text])
    checks.expect(bool(listed) and "e2e: planned load test" in listed[0], f"the silence is listed with its reason ({listed})")
    screenshot(driver, os.path.join(out, "silenced.png"))
    # The same from the machine page's alert list.
    driver.get(url.rstrip("/") + "/#/machine/mcrn")
    button = wait_for(lambda: driver.find_elements(By.CSS_SELECTOR, ".malerts .silence-open[data-rule='cpu_busy']"))
    if not checks.expect(bool(button), "the machine page's firing alert offers Silence… to an admin"):
        return
    driver.execute_script("document.querySelector(\".malerts .silence-open[data-rule='cpu_busy']\").click()")
    form = wait_for(lambda: driver.find_elements(By.CSS_SELECTOR, ".malerts .silence-form"))
    if not checks.expect(bool(form), "the silence form opens on the machine page"):
        return
    form[0].find_element(By.CSS_SELECTOR, "input[name=reason]").send_keys("e2e: from the machine page")
    form[0].find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    done = wait_for(lambda: driver.find_elements(By.CSS_SELECTOR, ".malerts .silence-done"))
    checks.expect(bool(done), "the machine page confirms the silence")
    screenshot(driver, os.path.join(out, "silenced-machine.png"))


def check_acknowledge(driver, url, out, checks):
    """An admin acknowledges the firing cpu_busy on mcrn from its alert row; the row then says who did."""
    driver.get(url.rstrip("/") + "/#/alerts")
    selector = ".active .ack-open[data-rule='cpu_busy'][data-machine='mcrn']"
    button = wait_for(lambda: driver.find_elements(By.CSS_SELECTOR, selector))
    if not checks.expect(bool(button), "a firing alert's row offers Acknowledge… to an admin"):
        return
    driver.execute_script(f"document.querySelector(\"{selector}\").click()")
    form = wait_for(lambda: driver.find_elements(By.CSS_SELECTOR, ".ack-form"))
    if not checks.expect(bool(form), "the acknowledge form opens under the list"):
        return
    form[0].find_element(By.CSS_SELECTOR, "input[name=comment]").send_keys("e2e: looking into it")
    form[0].find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    done = wait_for(lambda: driver.find_elements(By.CSS_SELECTOR, ".ack-done"))
    checks.expect(bool(done), "the page confirms the acknowledgement")
    user = os.environ.get("SMS_E2E_USER", "")
    badge = wait_for(lambda: [b.text for b in driver.find_elements(
        By.CSS_SELECTOR, ".active tr.sev-warning .badge.ack, .active tr.sev-critical .badge.ack")
        if b.text == f"acknowledged by {user}"], timeout=20)
    checks.expect(bool(badge), f"the row shows \"acknowledged by {user}\" once the hub applied it ({badge})")
    gone = wait_for(lambda: not driver.find_elements(By.CSS_SELECTOR, selector), timeout=10)
    checks.expect(gone, "an acknowledged alert offers no second Acknowledge…")
    screenshot(driver, os.path.join(out, "acknowledged.png"))
    # The machine page shows it too.
    driver.get(url.rstrip("/") + "/#/machine/mcrn")
    shown = wait_for(lambda: [b.text for b in driver.find_elements(By.CSS_SELECTOR, ".malerts .badge.ack")])
    checks.expect(shown == [f"acknowledged by {user}"], f"the machine page shows the acknowledgement ({shown})")


def check_narrow(driver, url, out, checks):
    """At 400 px wide nothing scrolls the page sideways: fleet, machine and alert views."""
    driver.set_window_size(400, 900)
    try:
        for path, name in (("/#/", "fleet"), ("/#/machine/mcrn", "machine"), ("/#/alerts", "alerts")):
            driver.get(url.rstrip("/") + path)
            time.sleep(1.5)
            width = driver.execute_script("return [document.documentElement.scrollWidth, window.innerWidth]")
            checks.expect(width[0] <= width[1], f"no horizontal overflow at 400 px on the {name} view ({width})")
            screenshot(driver, os.path.join(out, f"narrow-{name}.png"), width=400)
    finally:
        driver.set_window_size(1440, 1000)


PUBLIC = None


def check_login(driver, url, out, checks):
    """The login form comes first; a wrong password is refused; the right one shows the dashboard."""
    user, password = os.environ["SMS_E2E_USER"], os.environ["SMS_E2E_PASSWORD"]
    driver.get(url)
    form = wait_for(lambda: [f for f in driver.find_elements(By.CSS_SELECTOR, "form.sign-in") if f.is_displayed()])
    checks.expect(bool(form), "the login form is shown before anything else")
    if url.startswith("https://"):
        secure = driver.execute_script("return [location.protocol, window.isSecureContext]")
        checks.expect(secure == ["https:", True], f"the page and its password form came over verified HTTPS ({secure})")
    checks.expect(not driver.find_elements(By.CSS_SELECTOR, ".card"), "no machine card before logging in")
    if not form:
        return
    form = form[0]
    form.find_element(By.NAME, "name").send_keys(user)
    form.find_element(By.NAME, "password").send_keys("not-the-password")
    form.find_element(By.CSS_SELECTOR, "button").click()
    refused = wait_for(lambda: "wrong name or password" in driver.find_element(By.CSS_SELECTOR, ".login-message").text)
    checks.expect(bool(refused), "a wrong password is refused with a message")
    screenshot(driver, os.path.join(out, "login.png"))
    field = form.find_element(By.NAME, "password")
    field.clear()
    field.send_keys(password)
    form.find_element(By.CSS_SELECTOR, "button").click()
    cards = wait_for(lambda: driver.find_elements(By.CSS_SELECTOR, ".card"))
    checks.expect(bool(cards), "after logging in, the dashboard shows machine cards")
    who = driver.find_element(By.CSS_SELECTOR, ".who-name").text
    checks.expect(user in who, f"the header names the user ({who!r})")


def displayed(driver, selector):
    """The visible elements matching selector; none while the page is being replaced under us."""
    try:
        return [e for e in driver.find_elements(By.CSS_SELECTOR, selector) if e.is_displayed()]
    except StaleElementReferenceException:
        return []


def check_logout(driver, url, checks):
    """"log out" ends the session: the login form is back and the API answers 401."""
    driver.get(url)
    button = wait_for(lambda: displayed(driver, "button.logout"))
    checks.expect(bool(button), "a log out control is shown")
    if not button:
        return
    button[0].click()
    form = wait_for(lambda: displayed(driver, "form.sign-in"))
    checks.expect(bool(form), "after logging out, the login form is shown again")
    status = driver.execute_script("return fetch('/api/machines').then((r) => r.status)")
    checks.expect(status == 401, f"after logging out, the API answers 401 ({status})")


def check_restarted(driver, url, out, machine, checks):
    """Just after a hub restart, the card's sparklines come from history: they span most of their two minutes."""
    check_login(driver, url, out, checks)
    spark = wait_for(lambda: driver.find_elements(By.CSS_SELECTOR, f'.card[data-id="{machine}"] canvas.s-cpu'))
    if not checks.expect(bool(spark), f"{machine}'s card is shown after the restart"):
        return
    # What the page drew its sparklines from: the snapshot a new WebSocket client gets (the recent figures).
    recent = driver.execute_async_script("""
const [machine, done] = arguments;
const ws = new WebSocket((location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/ws');
ws.onmessage = (e) => {
  const m = JSON.parse(e.data);
  if (m.type !== 'snapshot') return;
  const t = (m.recent && m.recent[machine] && m.recent[machine].t) || [];
  ws.close();
  done([t.length, t.length ? (t[t.length - 1] - t[0]) / 1000 : 0, m.serverTimeMs - (t[0] || m.serverTimeMs)]);
};
ws.onerror = () => done([-1, 0, 0]);
""", machine)
    points, seconds, oldest_age_ms = recent
    uptime = driver.execute_script("return fetch('/healthz').then((r) => r.json()).then((h) => h.uptimeSeconds)")
    before = oldest_age_ms / 1000 - uptime
    checks.expect(points >= 10 and before >= 10,
                  f"{machine}'s sparklines start from history after the restart ({points} points over {seconds:.0f} s, "
                  f"the first {before:.0f} s before the hub started {uptime:.0f} s ago)")
    span = driver.execute_script(SPARK_SPAN_JS, spark[0])
    print(f"     the CPU sparkline covers {span:.0%} of its width")
    screenshot(driver, os.path.join(out, "after-restart.png"))
    # The 6 s the hub was away came back from the collector's buffer: a back-filled band beside the machine-down one.
    driver.get(f"{url}/#/machine/{machine}")
    check_gap_bands(driver, ["machine_down", "back_filled"], checks)
    # Zoomed to the machine's data (its last minute or so of the 15 minutes shown) by dragging across the first
    # chart, as a person would, so the bands are wide enough to see in the screenshot docs/gaps.md shows.
    canvas = driver.find_element(By.CSS_SELECTOR, ".chart:not([hidden]) canvas")
    # From 15 s before the first band (bands are placed in the canvas' coordinates) to the right edge.
    start = driver.execute_script("""
        const [canvas] = arguments;
        const bands = [...canvas.parentElement.querySelectorAll('.gap-band')].sort((a, b) => a.dataset.from - b.dataset.from);
        const b = bands[0];
        const pxPerMs = b.offsetWidth / (b.dataset.to - b.dataset.from);
        return Math.max(45, b.offsetLeft - 15e3 * pxPerMs) - canvas.clientWidth / 2;""", canvas)
    width = canvas.size["width"]
    ActionChains(driver).move_to_element_with_offset(canvas, int(start), 0).click_and_hold() \
        .move_by_offset(int(width / 2 - 10 - start), 0).release().perform()
    zoomed = wait_for(lambda: not driver.find_element(By.CSS_SELECTOR, "button.reset").get_attribute("hidden") and
                      all(b["width"] > 20 for b in driver.execute_script(GAP_BANDS_JS)), timeout=10)
    checks.expect(bool(zoomed), f"zoomed in, the gap bands are wide ({driver.execute_script(GAP_BANDS_JS)})")
    time.sleep(1)
    screenshot(driver, os.path.join(out, "gaps.png"))


def main():
    global PUBLIC
    args = sys.argv[1:]
    if "--restarted" in args:
        i = args.index("--restarted")
        machine, url, out = args[i + 1], args[0], args[1]
        os.makedirs(out, exist_ok=True)
        checks, driver = Checks(), make_driver()
        try:
            check_restarted(driver, url, out, machine, checks)
        finally:
            driver.quit()
        print(f"{len(checks.failures)} failure(s)")
        return 1 if checks.failures else 0
    if "--public" in args:
        i = args.index("--public")
        PUBLIC = args[i + 1].split(",")
        args = args[:i] + args[i + 2:]
    if len(args) != 2:
        print(__doc__)
        return 2
    url, out = args
    os.makedirs(out, exist_ok=True)
    checks = Checks()
    driver = make_driver()
    login = PUBLIC is None and "SMS_E2E_USER" in os.environ
    try:
        if login:
            check_login(driver, url, out, checks)
        check_fleet(driver, url, out, checks)
        check_machine(driver, url, out, checks)
        if PUBLIC is None:
            driver.get(url)
            wait_for(lambda: driver.find_elements(By.CSS_SELECTOR, ".card.st-pending"))
            check_pending(driver, url, out, checks)
        check_unknown(driver, url, checks)
        check_alerts(driver, url, out, checks)
        if login:
            check_silence(driver, url, out, checks)
            check_acknowledge(driver, url, out, checks)
        check_narrow(driver, url, out, checks)
        # The 401s of the login itself (asking who is logged in, the wrong password) are expected, not errors.
        errors = [e for e in driver.get_log("browser")
                  if e.get("level") == "SEVERE" and "status of 401" not in e.get("message", "")]
        checks.expect(not errors, f"no JavaScript errors in the console {[e['message'] for e in errors][:3]}")
        if login:
            check_logout(driver, url, checks)
    finally:
        driver.quit()
    print(f"{len(checks.failures)} failure(s)")
    return 1 if checks.failures else 0


if __name__ == "__main__":
    sys.exit(main())
