"""The dashboard in a real headless Chromium (Debian's, driven by Playwright) against a real `callintel serve`.

Screenshots of each page go to test-artifacts/dashboard/ (CALLINTEL_TEST_ARTIFACTS overrides the folder).
"""

from __future__ import annotations

import os
import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from api.auth import create_token
from models.store import Store
from tests.api.accounts_seed import Seeded, seed
from tests.helpers import serving

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = (
    Path(os.environ.get("CALLINTEL_TEST_ARTIFACTS", Path(__file__).parents[2] / "test-artifacts"))
    / "dashboard"
)
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def server(world) -> Iterator[str]:
    """`callintel serve` on a free loopback port over the analysed store; its base URL."""
    with serving(
        "--database-url",
        world.settings.database_url,
        "--workers",
        "0",
        env={"CALLINTEL_RISK_AS_OF": "2026-10-31T00:00:00Z"},
    ) as base:
        yield base


@pytest.fixture(scope="module")
def chromium():
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing: .ci/services.sh installs Debian's chromium")
        pytest.skip(f"no {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--autoplay-policy=no-user-gesture-required"]
        )
        yield browser
        browser.close()


@pytest.fixture
def page(chromium):
    """A page whose console is watched: after the test, no Content Security Policy violation was reported."""
    context = chromium.new_context(viewport={"width": 1360, "height": 900})
    page = context.new_page()
    console: list[str] = []
    page.on("console", lambda message: console.append(message.text))
    page.add_init_script(
        "document.addEventListener('securitypolicyviolation', e => console.error("
        "'CSP violation: ' + e.violatedDirective + ' ' + e.blockedURI))"
    )
    yield page
    context.close()
    violations = [
        text for text in console if "Content Security Policy" in text or "CSP violation" in text
    ]
    assert violations == []


def sign_in(page, base: str, secret: str, start: str = "/") -> None:
    page.goto(base + start)
    assert page.url.startswith(f"{base}/dashboard/login")
    page.fill("input[name=token]", secret)
    page.click("form[action='/dashboard/login'] button[type=submit]")
    page.wait_for_load_state()


def shot(page, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 20_000  # a rendered page, not a blank one
    return path


def test_queue_sign_in_and_filter(page, server, world):
    sign_in(page, server, world.tokens["manager"])
    assert page.url == f"{server}/dashboard/" and page.locator("h1").inner_text().startswith(
        "Flagged calls"
    )
    rows = page.locator("table.queue tbody tr")
    assert rows.count() > 3 and page.locator("a.call-link").first.is_visible()
    page.select_option("select[name=label]", "cancellation_intent")
    page.click("form.filters button[type=submit]")
    page.wait_for_url(re.compile(r".*label=cancellation_intent.*"))
    chips = [
        rows.nth(i).locator(".chip.label-cancellation_intent").count() for i in range(rows.count())
    ]
    assert chips and all(chips)
    shot(page, "queue")


def test_call_page_jumps_the_player_to_a_moment(page, server, world):
    sign_in(page, server, world.tokens["manager"], f"/dashboard/calls/{world.recording_id}")
    page.wait_for_function("document.getElementById('player').readyState >= 1", timeout=20_000)
    duration = page.evaluate("document.getElementById('player').duration")
    assert duration > 5
    marks = page.locator("mark.evidence")
    assert marks.count() >= 2 and all(marks.nth(i).is_visible() for i in range(marks.count()))
    moment = page.locator(".moments button[data-jump]").filter(has_text=re.compile(r"\d:\d\d")).last
    target, utterance = float(moment.get_attribute("data-t")), moment.get_attribute("data-u")
    assert 0 < target < duration
    moment.click()
    page.wait_for_function(
        f"Math.abs(document.getElementById('player').currentTime - {target}) < 1.0", timeout=10_000
    )
    assert "current" in page.locator(f"#u-{utterance}").get_attribute("class")
    first_line = page.locator("#u-0 button[data-jump]")
    first_line.click()
    page.wait_for_function("document.getElementById('player').currentTime < 1.0", timeout=10_000)
    page.evaluate("document.getElementById('player').pause()")
    shares = page.locator(
        ".talk-ratio span"
    )  # widths set by the script from data-width (the CSP allows no style="")
    widths = [shares.nth(i).bounding_box()["width"] for i in range(shares.count())]
    assert len(widths) == 2 and all(w > 20 for w in widths)
    assert abs(sum(widths) - page.locator(".talk-ratio").bounding_box()["width"]) < 2
    shot(page, "call")


def test_customers_at_risk_and_a_customer_page(page, server, world):
    sign_in(page, server, world.tokens["manager"], "/dashboard/customers")
    scores = [float(s) for s in page.locator("td.score").all_inner_texts()]
    assert len(scores) > 3 and scores == sorted(scores)
    bar = page.locator(".stack span").first
    assert (
        bar.bounding_box()["width"] > 0
        and bar.evaluate("e => getComputedStyle(e).backgroundColor") != "rgba(0, 0, 0, 0)"
    )
    shot(page, "customers")
    # the customer with the most calls and tickets: a long history (health is unknown before a customer's data)
    counts = Counter(i.customer_id for i in world.store.list_interactions())
    busiest = max(sorted(counts), key=lambda c: counts[c])
    page.locator(f'a.customer-link[href="/dashboard/customers/{busiest}"]').click()
    page.wait_for_selector("#health-chart")
    chart = page.locator("#health-chart")
    assert (
        chart.bounding_box()["width"] > 500
        and page.locator("#health-chart circle.point").count() >= 10
    )
    assert (
        page.locator("#health-chart rect.lost").count() > 0
        and page.locator(".legend li").count() > 1
    )
    assert (
        page.locator(".timeline li.entry").count() > 0 and page.locator(".breakdown tr").count() > 0
    )
    assert page.locator(".breakdown td.bar span").first.bounding_box()["width"] > 0
    shot(page, "customer")


def test_a_rep_is_kept_to_their_own_calls(page, server, world):
    sign_in(page, server, world.tokens["rep"])
    assert page.locator("nav a", has_text="Customers at risk").count() == 0
    page.goto(f"{server}/dashboard/customers")
    assert page.locator("h1").inner_text().startswith("403")
    page.goto(f"{server}/dashboard/")
    page.click("text=Sign out")
    page.wait_for_url(re.compile(r".*/dashboard/login.*"))
    page.goto(f"{server}/dashboard/")
    assert "/dashboard/login" in page.url


def test_a_search_hit_opens_the_call_at_that_line(page, server, world):
    sign_in(page, server, world.tokens["manager"], "/dashboard/search")
    page.fill("input[name=q]", "Gong")
    page.click("form.filters button[type=submit]")
    page.wait_for_selector("table.hits")
    assert page.locator("mark.match").first.inner_text() == "Gong"
    shot(page, "search")
    page.locator("a.hit-link", has_text="Recorded renewal").first.click()
    page.wait_for_url(re.compile(r".*#u-3$"))
    line = page.locator("#u-3")
    assert "current" in line.get_attribute("class")
    start = float(line.get_attribute("data-start"))
    page.wait_for_function(
        f"Math.abs(document.getElementById('player').currentTime - {start}) < 0.5", timeout=10_000
    )


def test_behind_a_tls_proxy_the_cookie_is_secure_and_other_origins_are_refused(server, world):
    """`callintel serve` trusts X-Forwarded-Proto from a proxy on 127.0.0.1 (uvicorn's proxy headers)."""
    https_origin = server.replace("http://", "https://")
    form = {"token": world.tokens["manager"], "next": "/dashboard/"}
    proxied = httpx.post(
        f"{server}/dashboard/login",
        data=form,
        headers={"X-Forwarded-Proto": "https", "Origin": https_origin},
    )
    assert proxied.status_code == 303 and "; secure" in proxied.headers["set-cookie"].lower()
    assert (
        proxied.headers["location"] == "/dashboard/"
        and proxied.headers["x-frame-options"] == "DENY"
    )
    forged = httpx.post(
        f"{server}/dashboard/login", data=form, headers={"Origin": "https://evil.example"}
    )
    assert forged.status_code == 403 and "set-cookie" not in forged.headers
    assert (
        httpx.get(f"{server}/openapi.json").status_code == 401
        and httpx.get(f"{server}/docs").status_code == 404
    )


@pytest.fixture(scope="module")
def accounts_site(tmp_path_factory) -> Iterator[tuple[str, dict[str, str], Seeded]]:
    """`callintel serve` over a store with account data and three open alerts (tests/api/accounts_seed.py)."""
    url = f"sqlite:///{tmp_path_factory.mktemp('accounts') / 'accounts.db'}"
    with Store(url) as store:
        ids = seed(store)
        secrets = {role: create_token(store, role, f"{role}-bot")[1] for role in ("manager", "crm")}
    with serving(
        "--database-url",
        url,
        "--workers",
        "0",
        env={"CALLINTEL_RISK_AS_OF": "2026-10-31T00:00:00Z"},
    ) as base:
        yield base, secrets, ids


def test_acknowledge_and_resolve_an_alert_in_the_browser(page, accounts_site):
    base, secrets, ids = accounts_site
    sign_in(page, base, secrets["manager"], "/dashboard/customers/acme")
    assert page.locator(".facts .owner").inner_text() == "dana"
    assert page.locator(".facts .arr").inner_text() == "48,000 EUR"
    assert page.locator("tr.contact").count() == 3 and page.locator(".pay.failed").count() == 1
    assert (
        "Executive visit" in page.locator(".recommended .action.now").inner_text()
    )  # the playbooks'
    assert (
        "Executive visit" in page.locator(".recommended .action:not(.now)").inner_text()
    )  # the alert's
    row = page.locator(f"#alert-{ids.acme_band}")
    row.locator("form.ack button").click()
    page.wait_for_url(re.compile(rf".*/dashboard/customers/acme#alert-{ids.acme_band}$"))
    row = page.locator(f"#alert-{ids.acme_band}")
    assert row.locator(".status").inner_text() == "acknowledged"
    assert "acknowledged by manager-bot" in row.locator(".lifecycle").inner_text()
    assert row.locator("form.ack").count() == 0  # acknowledged: only resolving is left
    shot(page, "customer-account")
    page.goto(f"{base}/dashboard/alerts")
    page.select_option("select[name=status]", "open")
    page.select_option("select[name=owner]", "dana")
    page.click("form.filters button[type=submit]")
    page.wait_for_url(re.compile(r".*status=open.*owner=dana.*"))
    assert page.locator("tr.alert-row").count() == 1  # acme's other alert
    page.goto(f"{base}/dashboard/alerts?customer=acme")
    row = page.locator(f"#alert-{ids.acme_band}")
    row.locator("select[name=outcome]").select_option("false_alarm")
    row.locator("input[name=note]").fill("Seasonal dip, usage is back")
    row.locator("form.resolve button").click()
    page.wait_for_url(re.compile(rf".*/dashboard/alerts\?customer=acme#alert-{ids.acme_band}$"))
    row = page.locator(f"#alert-{ids.acme_band}")
    assert row.locator(".outcome").inner_text() == "false alarm"
    assert "Seasonal dip, usage is back" in row.locator(".lifecycle").inner_text()
    assert row.locator("form").count() == 0  # resolved is final
    shot(page, "alerts")
