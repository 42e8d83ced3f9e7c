"""The website chat widget in a real browser.

Debian's headless Chromium (/usr/bin/chromium, installed by scripts/ensure-chromium.sh;
never a browser downloaded by Playwright) is driven by Playwright against the real action
server and `rasa run` with the project's model and credentials.yml, on free ports, started
as `make run` starts them (no app-wide `--cors`). If Chromium or Playwright is missing the
tests fail with the reason; they never skip.
"""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from collections.abc import Iterator

import pytest

from bot.settings import PROJECT_ROOT, Settings
from tests.content import CLINIC, answer_start
from tests.servers import (
    action_server,
    base_env,
    chromium,
    endpoints_for,
    rasa_server,
    require_model,
    running,
    sqlite_store,
)

RESULTS = PROJECT_ROOT / "results" / "widget"
REPLY_TIMEOUT_MS = 30_000
UUID_V4 = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
HTML_MESSAGE = '<img src=x onerror="window.__pwned = 1"><b>bold</b>'

try:
    from playwright.sync_api import Browser, Page, expect
except ImportError as error:  # fail (not skip) with the reason: the package is locked
    pytest.fail(
        f"playwright is not installed ({error}): run `make setup`", pytrace=False
    )


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Base URL of a running assistant (action server + `rasa run`) with the widget channel."""
    require_model()
    workdir = tmp_path_factory.mktemp("widget")
    env = base_env(DATABASE_URL=sqlite_store(workdir))
    actions = action_server(env, workdir)
    rasa = rasa_server(env, workdir, endpoints_for(actions, workdir))
    base = rasa.health_url.rstrip("/")
    rasa.env["WIDGET_ALLOWED_ORIGINS"] = base  # the demo page's own origin, and only that one
    with running(actions, rasa):
        yield base


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as browser:
        yield browser


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A fresh desktop-sized tab (its own localStorage) that fails the test on a JS error."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    context.close()
    assert errors == [], f"JavaScript errors on the page: {errors}"


def open_demo(page: Page, server: str) -> None:
    page.goto(f"{server}/widget/demo.html")
    expect(page.locator(".swc-launcher")).to_be_visible()


def open_widget(page: Page) -> None:
    page.locator(".swc-launcher").click()
    expect(page.locator(".swc-panel")).to_be_visible()
    expect(page.locator(".swc-status")).to_have_text("Automated assistant")


def say(page: Page, text: str) -> None:
    page.locator("#swc-input").fill(text)
    page.keyboard.press("Enter")


def bot_bubble(page: Page, text: str):
    return page.locator(".swc-bot .swc-bubble", has_text=text)


def active(page: Page, script: str):
    return page.evaluate(f"(() => {{ const el = document.activeElement; return {script}; }})()")


@pytest.mark.servers
def test_keyboard_visitor_asks_does_it_hurt_picks_a_quick_reply_and_keeps_it_after_reload(
    page: Page, server: str
):
    open_demo(page, server)
    for _ in range(10):  # Tab from the top of the page to the launcher
        page.keyboard.press("Tab")
        if active(page, "el.classList.contains('swc-launcher')"):
            break
    else:
        pytest.fail("Tab never reached the chat launcher")
    page.keyboard.press("Enter")
    expect(page.locator(".swc-panel")).to_be_visible()
    expect(page.locator(".swc-launcher")).to_have_attribute("aria-expanded", "true")
    assert active(page, "el.id") == "swc-input"
    privacy = page.locator(".swc-privacy a")
    expect(privacy).to_have_attribute("href", CLINIC.privacy_url)
    expect(privacy).to_have_attribute("rel", "noopener noreferrer")

    page.keyboard.type("does it hurt?")
    page.keyboard.press("Enter")

    expect(page.locator(".swc-user .swc-bubble").last).to_have_text("does it hurt?")
    expect(bot_bubble(page, answer_start("pain"))).to_be_visible(timeout=REPLY_TIMEOUT_MS)
    expect(page.locator("[aria-live=polite]")).to_contain_text(answer_start("pain"))
    chips = page.locator(".swc-quick .swc-chip")
    expect(chips).to_have_text(["Yes, book a first session", "No, thanks"])
    expect(page.locator(".swc-typing")).to_be_hidden()
    RESULTS.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.locator(".swc-log").evaluate("log => { log.scrollTop = log.scrollHeight; }")
    page.screenshot(path=str(RESULTS / "widget.png"))  # docs/widget.png is a copy of it

    # Focus stays inside the open panel, forwards and backwards.
    for key in ["Tab"] * 12 + ["Shift+Tab"] * 12:
        page.keyboard.press(key)
        assert active(page, "!!el.closest('.swc-panel')"), f"focus left the panel on {key}"

    chips.first.click()  # sends the payload /affirm, shows the title

    expect(page.locator(".swc-user .swc-bubble").last).to_have_text("Yes, book a first session")
    expect(bot_bubble(page, "What name should I put the booking under?")).to_be_visible(
        timeout=REPLY_TIMEOUT_MS
    )
    expect(page.locator(".swc-quick")).to_have_count(0)

    page.keyboard.press("Escape")
    expect(page.locator(".swc-panel")).to_be_hidden()
    assert active(page, "el.classList.contains('swc-launcher')")

    session = page.evaluate("localStorage.getItem('stillwater-chat:' + location.host + ':session')")
    assert UUID_V4.match(session), session
    page.reload()
    open_widget(page)

    expect(page.locator(".swc-msg .swc-bubble")).to_have_text(
        [
            "does it hurt?",
            re.compile(re.escape(answer_start("pain"))),
            re.compile("Would you like to book a first session"),
            "Yes, book a first session",
            re.compile("What name should I put the booking under"),
        ]
    )
    assert page.evaluate(
        "localStorage.getItem('stillwater-chat:' + location.host + ':session')"
    ) == session
    say(page, "Ann O'Brien")  # the same conversation goes on on the server after the reload
    expect(bot_bubble(page, "phone number or email")).to_be_visible(timeout=REPLY_TIMEOUT_MS)


@pytest.mark.servers
def test_html_from_the_visitor_or_the_bot_is_shown_as_text_and_links_are_safe(
    page: Page, server: str
):
    sockets = []
    page.route_web_socket(
        re.compile(r"/socket\.io/"), lambda ws: sockets.append((ws, ws.connect_to_server()))
    )
    open_demo(page, server)
    open_widget(page)

    say(page, HTML_MESSAGE)

    expect(page.locator(".swc-user .swc-bubble").last).to_have_text(HTML_MESSAGE)
    expect(page.locator(".swc-bot").first).to_be_visible(timeout=REPLY_TIMEOUT_MS)  # a reply
    # A bot message with HTML and addresses, delivered on the real socket.io connection.
    bot_text = (
        "<script>window.__pwned = 2</script> See https://www.nhs.uk/conditions/acupuncture/. "
        "(Or https://example.org/a_(b).) Not a link: javascript:alert(1)"
    )
    [(ws, _)] = sockets
    ws.send("42" + json.dumps(["bot_uttered", {"text": bot_text}]))

    bubble = page.locator(".swc-bot .swc-bubble").last
    expect(bubble).to_have_text(bot_text)
    links = bubble.locator("a")
    expect(links).to_have_count(2)
    expect(links.nth(0)).to_have_attribute("href", "https://www.nhs.uk/conditions/acupuncture/")
    expect(links.nth(0)).to_have_text("https://www.nhs.uk/conditions/acupuncture/")
    expect(links.nth(1)).to_have_attribute("href", "https://example.org/a_(b)")
    for i in range(2):
        expect(links.nth(i)).to_have_attribute("rel", "noopener noreferrer")
        expect(links.nth(i)).to_have_attribute("target", "_blank")
    assert page.locator(".swc-root img, .swc-root b, .swc-root script").count() == 0
    assert page.evaluate("window.__pwned") is None

    page.reload()  # the same, re-rendered from localStorage
    open_widget(page)
    expect(page.locator(".swc-user .swc-bubble").first).to_have_text(HTML_MESSAGE)
    expect(page.locator(".swc-bot .swc-bubble").last).to_have_text(bot_text)
    assert page.locator(".swc-root img, .swc-root b, .swc-root script").count() == 0
    assert page.evaluate("window.__pwned") is None


@pytest.mark.servers
def test_messages_typed_while_offline_are_sent_after_the_network_returns(
    page: Page, server: str
):
    open_demo(page, server)
    open_widget(page)

    page.context.set_offline(True)
    expect(page.locator(".swc-status")).to_contain_text("reconnecting")
    say(page, "is it safe?")
    expect(page.locator(".swc-typing")).to_be_visible()
    page.context.set_offline(False)

    expect(bot_bubble(page, "low-risk")).to_be_visible(timeout=REPLY_TIMEOUT_MS)
    expect(page.locator(".swc-status")).to_have_text("Automated assistant")
    expect(page.locator(".swc-typing")).to_be_hidden()


@pytest.mark.servers
def test_a_phone_gets_a_full_screen_panel(browser: Browser, server: str):
    context = browser.new_context(viewport={"width": 375, "height": 740}, is_mobile=True)
    try:
        page = context.new_page()
        open_demo(page, server)
        open_widget(page)
        box = page.locator(".swc-panel").bounding_box()
        assert box == {"x": 0, "y": 0, "width": 375, "height": 740}
        expect(page.locator(".swc-launcher")).to_be_hidden()
        page.screenshot(path=str(RESULTS / "widget-phone.png"))
        page.locator(".swc-close").click()
        expect(page.locator(".swc-launcher")).to_be_visible()
    finally:
        context.close()


CONTRAST_SCRIPT = """
() => {
  const rgb = (c) => c.match(/[\\d.]+/g).map(Number);
  const lum = ([r, g, b]) => {
    const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const background = (el) => {
    for (; el; el = el.parentElement) {
      const c = rgb(getComputedStyle(el).backgroundColor);
      if (c.length < 4 || c[3] > 0) return c.slice(0, 3);
    }
    return [255, 255, 255];
  };
  const selectors = [".swc-launcher", ".swc-title", ".swc-status", ".swc-bot .swc-bubble",
    ".swc-user .swc-bubble", ".swc-chip", ".swc-privacy", ".swc-privacy a", ".swc-send",
    ".swc-input", ".swc-bot .swc-bubble a"];
  return selectors.map((selector) => {
    const el = document.querySelector(selector);
    if (!el) return [selector, 0];
    const a = lum(rgb(getComputedStyle(el).color)), b = lum(background(el));
    return [selector, (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05)];
  });
}
"""


@pytest.mark.servers
def test_widget_text_meets_wcag_aa_contrast(page: Page, server: str):
    open_demo(page, server)
    history = [
        {"who": "user", "text": "does it hurt?"},
        {"who": "bot", "text": "See https://www.nhs.uk/conditions/acupuncture/",
         "buttons": [{"title": "Yes", "payload": "/affirm"}]},
    ]
    page.evaluate(
        "h => localStorage.setItem('stillwater-chat:' + location.host + ':history', h)",
        json.dumps(history),
    )
    page.reload()
    open_widget(page)
    expect(page.locator(".swc-chip")).to_have_text(["Yes"])

    ratios = dict(page.evaluate(CONTRAST_SCRIPT))

    low = {selector: round(ratio, 2) for selector, ratio in ratios.items() if ratio < 4.5}
    assert low == {}, f"text below WCAG AA 4.5:1: {low}"


@pytest.mark.servers
def test_only_the_clinics_origins_may_connect(browser: Browser, server: str):
    handshake = f"{server}/socket.io/?EIO=4&transport=polling"

    def status(origin: str) -> int:
        request = urllib.request.Request(handshake, headers={"Origin": origin})
        try:
            with urllib.request.urlopen(request, timeout=10) as answer:
                return answer.status
        except urllib.error.HTTPError as error:
            return error.code

    assert status(server) == 200
    assert status("https://evil.example") == 400

    # The same demo page served from an origin that is not on the list cannot chat.
    context = browser.new_context()
    try:
        page = context.new_page()
        open_demo(page, server.replace("127.0.0.1", "localhost"))
        page.locator(".swc-launcher").click()
        expect(page.locator(".swc-status")).to_contain_text("Can't reach")
    finally:
        context.close()


# ---- the channel's configuration, without a browser ------------------------------------------


def test_allowed_origins_come_from_the_environment_then_credentials_then_localhost():
    from bot.channels.widget import allowed_origins

    credentials = {"cors_allowed_origins": ["https://www.clinic.example/"]}

    from_env = Settings.from_env
    assert allowed_origins(credentials, from_env({"WIDGET_ALLOWED_ORIGINS": "https://a.example, "
                                                  "https://b.example"})) == [
        "https://a.example", "https://b.example"]
    assert allowed_origins(credentials, from_env({})) == ["https://www.clinic.example"]
    assert allowed_origins({}, from_env({})) == ["http://localhost:5005", "http://127.0.0.1:5005"]


def test_a_wildcard_origin_is_refused():
    from bot.channels.widget import WidgetInput

    with pytest.raises(ValueError, match="not '\\*'"):
        WidgetInput(cors_allowed_origins=["*"])


def test_only_uuid_session_ids_are_accepted():
    from bot.channels.widget import valid_session_id

    assert valid_session_id("3F2504E0-4F89-41D3-9A0C-0305E82C3301") == (
        "3f2504e0-4f89-41d3-9a0c-0305e82c3301"
    )
    assert valid_session_id("0123456789abcdef0123456789abcdef")
    for guessable in ["1", "alice", "", None, 42, "3f2504e0-4f89-41d3-9a0c"]:
        assert valid_session_id(guessable) is None


def test_the_demo_page_policy_allows_its_own_style_block_and_no_inline_script():
    from bot.channels.widget import demo_csp, read_static_files

    files = read_static_files()
    policy = demo_csp(files["demo.html"])

    assert "'sha256-" in policy and "unsafe-inline" not in policy
    assert "script-src 'self';" in policy
    html_sinks = re.compile(rb"innerHTML\s*=|outerHTML|insertAdjacentHTML|document\.write|eval\(")
    assert html_sinks.findall(files["widget.js"]) == []
