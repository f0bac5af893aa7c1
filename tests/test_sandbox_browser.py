"""The sandbox page in a real browser (Debian's Chromium, driven by Selenium through Debian's chromedriver; nothing
is downloaded): a provider signs up, connects Zoom on the sandbox's consent page, creates a session and shares
its code; a customer books it by taps and typing; the join link shows in the customer's chat and the confirmation
with its invitation in the mailbox. Then the page at a phone's size, and a basic accessibility check: every control
has an accessible name, the keyboard reaches the composer with a visible focus, and the main colour pairs have a
contrast of at least 4.5:1."""
from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait

from bot.core import messages as msg
from bot.dialogue.intents import MENUS
from tests.fixtures.texts import zoom_text

CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
CHROMEDRIVER = Path(os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver"))
SCREENSHOT = Path(__file__).resolve().parent.parent / "docs" / "sandbox.png"
WIDE, PHONE = (1400, 1000), (390, 844)
PROVIDER, CUSTOMER = "+919940790402", "+447700900123"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not (CHROMIUM.is_file() and CHROMEDRIVER.is_file()),
                       reason=f"no browser: {CHROMIUM} and {CHROMEDRIVER} come from Debian's chromium and "
                              f"chromium-driver packages (.ci/run installs them)"),
]


@pytest.fixture(scope="module")
def browser() -> Iterator[WebDriver]:
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                     "--no-first-run", "--disable-extensions", f"--window-size={WIDE[0]},{WIDE[1]}"):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    try:
        yield driver
    finally:
        driver.quit()


def viewport(driver: WebDriver, size: tuple[int, int], mobile: bool = False) -> None:
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                           {"width": size[0], "height": size[1], "deviceScaleFactor": 1, "mobile": mobile})


def shown(template: str) -> str:
    """The longest literal line of a template, as the page shows it with Zoom as the platform (*bold* drawn as bold,
    other fields left out)."""
    pieces = [p.strip() for p in re.split(r"\{\w+\}|\*|\n", zoom_text(template))]
    return max(pieces, key=len)


def label(menu: str, key: str) -> str:
    """The label of option `key` in `menu`, as the bot lists it."""
    return zoom_text(next(o.label for o in MENUS[menu] if o.trigger == key))


class Chat:
    """One pane of the page: type and send, tap the rows the bot sent, wait for what it says."""

    def __init__(self, driver: WebDriver, side: str) -> None:
        self.driver, self.side = driver, side
        self.seen = 0

    def _bot(self) -> list:
        return self.driver.find_elements(By.CSS_SELECTOR, f"#messages-{self.side} .msg.bot")

    def wait_for(self, text: str, timeout: float = 15) -> str:
        """Wait until a bot message newer than the last one waited for contains `text`; return it."""
        def found(_driver):
            try:
                bubbles = [b.text for b in self._bot()]
            except StaleElementReferenceException:  # the page redrew the chat meanwhile
                return False
            for index in range(self.seen, len(bubbles)):
                if text in bubbles[index]:
                    self.seen = index + 1
                    return bubbles[index]
            return False
        return WebDriverWait(self.driver, timeout, poll_frequency=0.05).until(
            found, f"{self.side}: no message with {text!r}")

    def type(self, text: str, expect: str) -> str:
        box = self.driver.find_element(By.ID, f"text-{self.side}")
        box.clear()
        box.send_keys(text)
        self.driver.find_element(By.CSS_SELECTOR, f"#composer-{self.side} .send").click()
        return self.wait_for(expect)

    def tap(self, option: str, expect: str) -> str:
        """Tap the row of the bot's newest message whose label ends with `option`."""
        def row(_driver):
            try:
                return next((b for b in self._bot()[-1].find_elements(By.CSS_SELECTOR, "button.option")
                             if b.text.endswith(option)), False)
            except (StaleElementReferenceException, IndexError):
                return False
        WebDriverWait(self.driver, 10, poll_frequency=0.05).until(row, f"{self.side}: no row {option!r}").click()
        return self.wait_for(expect)


def test_a_booking_by_clicks_and_taps_in_chromium(browser, sandbox, tmp_path):
    viewport(browser, WIDE)
    browser.get(sandbox.url + "/sandbox")
    provider, customer = Chat(browser, "provider"), Chat(browser, "customer")
    assert browser.find_element(By.ID, "number-provider").get_attribute("value") == PROVIDER
    assert browser.find_element(By.ID, "number-customer").get_attribute("value") == CUSTOMER

    # The provider signs up and connects Zoom: the link in the chat opens the sandbox's consent page.
    provider.type("hi", shown(msg.WELCOME))
    provider.tap(label("customer_menu", "signup"), shown(msg.SIGNUP_ASK_NAME))
    provider.type("Asha Coaching", shown(msg.SIGNUP_ASK_TIMEZONE))
    provider.type("yes", shown(msg.SIGNUP_DONE))
    provider.tap(label("provider_menu", "integrations"), label("integrations", "connect_platform"))
    provider.tap(label("integrations", "connect_platform"), shown(msg.PLATFORM_LINK))
    chat_window = browser.current_window_handle
    browser.find_elements(By.CSS_SELECTOR, "#messages-provider a[href*='/connect/zoom/']")[-1].click()
    WebDriverWait(browser, 10).until(lambda d: len(d.window_handles) == 2)
    browser.switch_to.window(next(h for h in browser.window_handles if h != chat_window))
    WebDriverWait(browser, 10).until(lambda d: d.find_elements(By.CSS_SELECTOR, "button[value=allow]"))[0].click()
    WebDriverWait(browser, 10, ignored_exceptions=(StaleElementReferenceException,)).until(  # (the page moves on)
        lambda d: shown(msg.PAGE_CONNECTED) in d.find_element(By.TAG_NAME, "body").text)
    browser.close()
    browser.switch_to.window(chat_window)
    provider.wait_for(shown(msg.PLATFORM_CONNECTED_CHAT))

    # ... and creates a 1:1 Zoom session, bookable all day.
    provider.type("menu", label("provider_menu", "create_session"))
    provider.tap(label("provider_menu", "create_session"), shown(msg.SESSION_ASK_KIND))
    provider.tap(label("new_kind", "kind_one"), shown(msg.SESSION_ASK_NAME))
    provider.type("Career coaching", shown(msg.SESSION_ASK_DURATION))
    provider.type("1 h", shown(msg.SESSION_ASK_PRICE))
    provider.type("1500", shown(msg.SESSION_ASK_MODE))
    provider.tap(label("new_mode", "mode_online"), shown(msg.SESSION_ASK_PLATFORM))
    provider.tap(label("new_platform", "platform_meetings"), shown(msg.SESSION_ASK_AVAILABILITY))
    provider.type("Mon-Sun 00:00-23:59", shown(msg.SESSION_ASK_NOTICE))
    provider.type("none", shown(msg.SESSION_ASK_DESCRIPTION))
    provider.type("skip", shown(msg.SESSION_SUMMARY))
    live = provider.tap(label("new_confirm", "save"), shown(msg.SESSION_CREATED))
    code = re.search(r"book ([A-Z0-9]{4,})\b", live).group(1)
    qr = browser.find_elements(By.CSS_SELECTOR, "#messages-provider img.media")[-1]
    assert qr.get_attribute("src").endswith(f"/share/{code}.png")
    assert browser.execute_script("return arguments[0].complete && arguments[0].naturalWidth > 0", qr)

    # The customer books it: sessions, time zone, day, time, name, email, confirm.
    customer.type(f"book {code}", shown(msg.BOOK_SESSIONS))
    customer.tap("Career coaching · 1 h · ₹1,500 · " + zoom_text(msg.BOOK_MODE_PLATFORM),
                 shown(msg.BOOK_ASK_TIMEZONE))
    customer.type("yes", shown(msg.BOOK_DAYS))
    first_day = browser.find_elements(By.CSS_SELECTOR, "#messages-customer .msg.bot button.option")[0].text
    customer.tap(first_day.split(". ", 1)[1], shown(msg.BOOK_TIMES))
    first_time = browser.find_elements(By.CSS_SELECTOR, "#messages-customer .msg.bot button.option")[0].text
    customer.tap(first_time.split(". ", 1)[1], shown(msg.BOOK_ASK_NAME_KNOWN))
    customer.type("1", shown(msg.BOOK_ASK_EMAIL))
    customer.type("ravi@example.com", shown(msg.BOOK_SUMMARY))
    customer.tap(label("book_confirm", "confirm_booking"), shown(msg.BOOK_CONFIRMED))
    link = customer.wait_for(shown(msg.LINK_READY))
    join_url = re.search(r"https://zoom\.us/j/\S+", link).group(0)
    anchors = browser.find_elements(By.CSS_SELECTOR, "#messages-customer a[href^='https://zoom.us/j/']")
    assert join_url in [a.get_attribute("href") for a in anchors]
    provider.wait_for(shown(msg.BOOK_PROVIDER_NEW))

    # The confirmation in the mailbox, with its invitation to download.
    subject = shown(msg.EMAIL_CONFIRMED_SUBJECT)
    mail = WebDriverWait(browser, 10, poll_frequency=0.05).until(
        lambda d: next((m for m in d.find_elements(By.CSS_SELECTOR, "#mails .mail") if subject in m.text), False))
    assert "ravi@example.com" in mail.text and join_url in mail.text
    invite = mail.find_element(By.CSS_SELECTOR, "a.attachment")
    assert invite.get_attribute("download") == "invite.ics"
    downloaded = browser.execute_async_script(
        "fetch(arguments[0]).then(r => r.text()).then(arguments[1])", invite.get_attribute("href"))
    assert downloaded.startswith("BEGIN:VCALENDAR") and join_url in downloaded.replace("\r\n ", "")

    # The operator's buttons: the sweep runs, the clock moves for the app and for the page.
    browser.find_element(By.ID, "run-sweep").click()
    WebDriverWait(browser, 10).until(lambda d: "Sweep done" in d.find_element(By.ID, "operator-status").text)
    browser.find_element(By.CSS_SELECTOR, ".clock-step[data-hours='24']").click()
    WebDriverWait(browser, 10).until(lambda d: "24 h ahead" in d.find_element(By.ID, "clock-offset").text)
    assert sandbox.services.clock.offset().total_seconds() == 24 * 3600
    browser.find_element(By.ID, "clock-reset").click()
    WebDriverWait(browser, 10).until(lambda d: d.find_element(By.ID, "clock-offset").text == "")

    browser.execute_script("for (const l of document.querySelectorAll('.messages')) l.scrollTop = l.scrollHeight")
    shot = tmp_path / "sandbox.png"
    assert browser.save_screenshot(str(shot)) and shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    if os.environ.get("UPDATE_SCREENSHOT"):  # the README's picture: UPDATE_SCREENSHOT=1 pytest tests/test_sandbox...
        shutil.copyfile(shot, SCREENSHOT)

    # On a phone: one pane at a time behind tabs, nothing wider than the screen, the customer can go on.
    viewport(browser, PHONE, mobile=True)
    assert browser.execute_script("return document.documentElement.scrollWidth") <= PHONE[0]
    assert browser.find_element(By.ID, "pane-provider").is_displayed()
    assert not browser.find_element(By.ID, "pane-customer").is_displayed()
    browser.find_element(By.ID, "tab-customer").click()
    assert browser.find_element(By.ID, "pane-customer").is_displayed()
    assert not browser.find_element(By.ID, "pane-provider").is_displayed()
    browser.execute_script("arguments[0].scrollIntoView()", browser.find_element(By.ID, "pane-customer"))
    for control in ("tab-customer", "number-customer", "messages-customer", "text-customer", "composer-customer"):
        box = browser.execute_script("return arguments[0].getBoundingClientRect().toJSON()",
                                     browser.find_element(By.ID, control))
        assert box["left"] >= 0 and box["right"] <= PHONE[0] and box["top"] >= 0 and box["bottom"] <= PHONE[1], \
            (control, box)
    customer.type("my bookings", shown(msg.MB_LIST_HEADER))
    viewport(browser, WIDE)


def accessible_controls(driver: WebDriver) -> list:
    return [e for e in driver.find_elements(By.CSS_SELECTOR, "input, button, select, textarea, a[href]")
            if e.is_displayed()]


def contrast(foreground: str, background: str) -> float:
    """WCAG 2 contrast ratio of two CSS colours given as rgb()/rgba() (alpha ignored: opaque colours only)."""
    def luminance(colour: str) -> float:
        r, g, b = (int(v) / 255 for v in re.findall(r"[\d.]+", colour)[:3])
        lin = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in (r, g, b)]
        return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]
    high, low = sorted((luminance(foreground), luminance(background)), reverse=True)
    return (high + 0.05) / (low + 0.05)


# The element's text colour and the first opaque background behind it, as the browser computed them from the CSS.
COLOURS_JS = """
const out = [];
for (const selector of arguments[0]) {
  for (const el of document.querySelectorAll(selector)) {
    if (!el.offsetParent && getComputedStyle(el).position !== 'fixed') continue;
    let node = el, bg = 'rgba(0, 0, 0, 0)';
    while (node && node.nodeType === 1) {
      bg = getComputedStyle(node).backgroundColor;
      if (!/rgba\\(.*, 0\\)$/.test(bg) && bg !== 'transparent') break;
      node = node.parentElement;
    }
    if (!node || node.nodeType !== 1) bg = 'rgb(255, 255, 255)';
    out.push([selector, getComputedStyle(el).color, bg]);
    break;
  }
}
return out;
"""
TEXT = ["h1", ".topbar .hint", ".clock", "#run-sweep", ".tabs [role=tab]", "h2", ".identity label", "input",
        ".msg.bot .body", ".msg.mine .body", "button.option", ".msg a", ".send", ".empty", ".mailbox .hint",
        ".mail h3", ".mail .meta", ".mail-body", ".attachment"]


@pytest.mark.parametrize("size", [WIDE, PHONE], ids=["wide", "phone"])
def test_the_page_passes_a_basic_accessibility_check(browser, sandbox, size):
    viewport(browser, size, mobile=size == PHONE)
    browser.get(sandbox.url + "/sandbox")
    Chat(browser, "provider").type("hi", shown(msg.WELCOME))  # a bot message with rows to tap

    unnamed = [e.get_attribute("outerHTML")[:80] for e in accessible_controls(browser)
               if not e.accessible_name.strip()]
    assert unnamed == []
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "en"

    # The keyboard alone reaches the provider's composer, and every stop shows where the focus is.
    browser.execute_script("document.activeElement.blur(); window.scrollTo(0, 0)")
    stops = []
    for _ in range(40):
        ActionChains(browser).send_keys(Keys.TAB).perform()
        focused = browser.switch_to.active_element
        if focused.tag_name == "body":  # the first Tab may land on the page itself
            continue
        stops.append(focused.get_attribute("id") or focused.text)
        outline = browser.execute_script("const s = getComputedStyle(arguments[0]);"
                                         "return [s.outlineStyle, parseFloat(s.outlineWidth)]", focused)
        assert outline[0] != "none" and outline[1] >= 2, f"no visible focus on {stops[-1]!r}"
        if stops[-1] == "text-provider":
            break
    assert stops[-1] == "text-provider", stops
    assert stops.index("number-provider") < stops.index("name-provider") < stops.index("text-provider")

    found = browser.execute_script(COLOURS_JS, TEXT)
    assert {selector for selector, _, _ in found} >= {"h1", ".msg.bot .body", ".msg.mine .body", "button.option",
                                                      ".send", ".identity label"}
    low = [(s, fg, bg, round(contrast(fg, bg), 2)) for s, fg, bg in found if contrast(fg, bg) < 4.5]
    assert low == []
