"""The dashboard's pages through TestClient: sign-in, who sees what, filters, the call page's evidence, errors."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event

from api.app import create_app
from models.analysis import Summary
from models.records import LABEL_NAMES, TAG_LABELS, label_name
from nlp.summary_markdown import to_markdown

SAME_ORIGIN = {
    "Origin": "http://testserver"
}  # what a browser sends with the sign-in and sign-out forms


@pytest.fixture
def browser(world):
    """A fresh client (its own cookie jar) over the shared analysed store."""
    with TestClient(create_app(world.settings, world.store)) as client:
        yield client


def sign_in(client: TestClient, secret: str, next: str = "/dashboard/"):
    return client.post(
        "/dashboard/login",
        data={"token": secret, "next": next},
        headers=SAME_ORIGIN,
        follow_redirects=False,
    )


def call_ids(html: str) -> list[str]:
    return re.findall(r'href="/dashboard/calls/(int_[0-9a-f]+)"', html)


def test_pages_need_a_sign_in_and_the_cookie_is_locked_down(browser, world):
    assert browser.get("/", follow_redirects=False).headers["location"] == "/dashboard/"
    away = browser.get("/dashboard/customers?band=red", follow_redirects=False)
    assert (
        away.status_code == 303
        and away.headers["location"]
        == "/dashboard/login?next=%2Fdashboard%2Fcustomers%3Fband%3Dred"
    )
    wrong = sign_in(browser, "ci_not-a-token")
    assert wrong.status_code == 401 and "That token is not valid or was revoked." in wrong.text
    signed = sign_in(browser, world.tokens["manager"], next="/dashboard/customers?band=red")
    assert (
        signed.status_code == 303 and signed.headers["location"] == "/dashboard/customers?band=red"
    )
    cookie = signed.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie and "path=/dashboard" in cookie
    assert browser.get("/dashboard/").status_code == 200
    assert browser.get("/api/queue").status_code == 401  # the cookie alone never opens the JSON API
    assert (
        sign_in(browser, world.tokens["manager"], next="//evil.example/").headers["location"]
        == "/dashboard/"
    )
    out = browser.post("/dashboard/logout", headers=SAME_ORIGIN, follow_redirects=False)
    assert (
        out.status_code == 303
        and browser.get("/dashboard/", follow_redirects=False).status_code == 303
    )


def test_the_queue_lists_flagged_calls_and_filters_them(browser, world):
    sign_in(browser, world.tokens["manager"])
    api = world.client.get(
        "/api/queue",
        params={"limit": 500},
        headers={"Authorization": f"Bearer {world.tokens['manager']}"},
    ).json()
    page = browser.get("/dashboard/").text
    assert (
        f"{api['total']} calls" in page
        and call_ids(page) == [f["interaction"]["id"] for f in api["items"]][:25]
    )
    only = browser.get(
        "/dashboard/",
        params={"label": "cancellation_intent", "rep": "", "since": "", "min_score": ""},
    ).text
    rows = re.findall(r"<tr>(.*?)</tr>", only, re.S)[1:]
    assert rows and all("label-cancellation_intent" in row for row in rows)
    late = browser.get("/dashboard/", params={"since": "2026-10-15", "until": "2026-10-31"}).text
    assert all(d >= "2026-10-15" for d in re.findall(r"<td>(2026-\d\d-\d\d)</td>", late))
    assert (
        "No flagged calls match these filters."
        in browser.get("/dashboard/", params={"customer": "nobody"}).text
    )
    tickets = world.client.get(
        "/api/queue",
        params={"kind": "ticket", "limit": 25},
        headers={"Authorization": f"Bearer {world.tokens['manager']}"},
    ).json()
    page = browser.get("/dashboard/", params={"kind": "ticket"}).text
    assert tickets["total"] > 0 and f"Flagged tickets <small>{tickets['total']} tickets" in page
    assert call_ids(page) == [f["interaction"]["id"] for f in tickets["items"]]
    bad = browser.get("/dashboard/", params={"since": "yesterday"})
    assert bad.status_code == 422 and "query.since" in bad.text and "<html" in bad.text


def test_the_call_page_reads_the_call_its_metrics_and_summary_once(browser, world):
    """The call, its transcript, tags, metrics and summary in one read (interaction_view's three statements),
    then the review state and the comments: the metrics and the summary were two more reads before."""
    sign_in(browser, world.tokens["manager"])
    page = f"/dashboard/calls/{world.recording_id}"
    assert browser.get(page).status_code == 200  # the session's last use written
    statements: list[str] = []

    def noted(_connection, _cursor, statement, *_) -> None:
        statements.append(statement)

    event.listen(world.store.engine, "before_cursor_execute", noted)
    try:
        html = browser.get(page).text
    finally:
        event.remove(world.store.engine, "before_cursor_execute", noted)
    assert "talk ratio" in html.lower() and world.recording_id in html
    assert sum("FROM interactions" in s for s in statements) == 1, statements
    assert len(statements) == 5, statements  # 3 for the call, its review state, its comments


def test_the_call_page_highlights_every_tags_evidence(browser, world):
    sign_in(browser, world.tokens["manager"])
    headers = {"Authorization": f"Bearer {world.tokens['manager']}"}
    detail = world.client.get(f"/api/interactions/{world.recording_id}", headers=headers).json()
    page = browser.get(f"/dashboard/calls/{world.recording_id}").text
    marks = re.findall(r'<mark class="evidence label-(\w+)"[^>]*>([^<]*)</mark>', page)
    assert {"price_objection", "competitor_mention"} <= {label for label, _ in marks}
    assert sorted(marks) == sorted((t["label"], t["evidence"]) for t in detail["tags"])
    assert (
        f'<audio id="player" controls preload="metadata" src="/dashboard/calls/{world.recording_id}/audio">'
        in page
    )
    for moment in detail["summary"]["key_moments"]:
        assert f'data-u="{moment["utterance_index"]}" data-t="{moment["start_s"]:.2f}"' in page
    assert "Talk ratio" not in page and 'title="talk ratio"' in page and "Longest monologue" in page


def test_the_recording_streams_with_ranges(browser, world):
    sign_in(browser, world.tokens["manager"])
    whole = browser.get(f"/dashboard/calls/{world.recording_id}/audio")
    assert (
        whole.status_code == 200
        and whole.headers["content-type"] == "audio/x-wav"
        and whole.content[:4] == b"RIFF"
    )
    part = browser.get(
        f"/dashboard/calls/{world.recording_id}/audio", headers={"Range": "bytes=100-199"}
    )
    assert part.status_code == 206 and part.content == whole.content[100:200]
    text_call = call_ids(browser.get("/dashboard/", params={"customer": "acme"}).text)[0]
    none = browser.get(f"/dashboard/calls/{text_call}/audio")
    assert (
        none.status_code == 404
        and "no recording on this server for the interaction with id" in none.text
    )


def test_a_rep_sees_only_their_calls_and_a_crm_only_customers(browser, world):
    sign_in(browser, world.tokens["rep"])
    mine = call_ids(browser.get("/dashboard/").text)
    headers = {"Authorization": f"Bearer {world.tokens['manager']}"}
    reps = {
        world.client.get(f"/api/interactions/{i}", headers=headers).json()["interaction"]["rep"]
        for i in mine
    }
    assert mine and reps == {"sam"}
    everyone = world.client.get(
        "/api/interactions", params={"kind": "call", "limit": 500}, headers=headers
    ).json()["items"]
    other = next(i["id"] for i in everyone if i["rep"] != "sam")
    denied = browser.get(f"/dashboard/calls/{other}")
    assert (
        denied.status_code == 404 and f"no interaction with id &#39;{other}&#39;" in denied.text
    )  # as if unknown
    assert browser.get("/dashboard/customers").status_code == 403
    assert browser.get("/dashboard/", params={"rep": "dana"}).status_code == 403
    sign_in(browser, world.tokens["crm"], next="/dashboard/")
    assert browser.get("/dashboard/").status_code == 403
    customer = browser.get("/dashboard/customers/acme").text
    assert "Health over time" in customer and "/dashboard/calls/" not in customer


def test_at_risk_list_and_customer_page_agree_with_the_api(browser, world):
    sign_in(browser, world.tokens["manager"])
    headers = {"Authorization": f"Bearer {world.tokens['manager']}"}
    api = world.client.get("/api/customers", headers=headers).json()
    page = browser.get("/dashboard/customers").text
    assert re.findall(r'href="/dashboard/customers/([\w-]+)"', page) == [
        c["customer_id"] for c in api
    ]
    assert re.findall(r'<td class="num score">([\d.]+)</td>', page) == [
        f"{c['score']:.1f}" for c in api
    ]
    red = browser.get("/dashboard/customers", params={"band": "red"}).text
    assert re.findall(r'<tr class="band-(\w+)">', red) == ["red"] * sum(
        c["band"] == "red" for c in api
    )
    riskiest = api[0]["customer_id"]
    timeline = world.client.get(
        f"/api/customers/{riskiest}/timeline", params={"days": 120}, headers=headers
    ).json()
    customer = browser.get(f"/dashboard/customers/{riskiest}").text
    known = [p for p in timeline["replay"] if p["score"] is not None]  # no point while unknown
    assert len(re.findall(r'<circle class="point (\w+)"', customer)) == len(known)
    for kind, lost in timeline["health"]["breakdown"].items():
        assert f"−{lost}" in customer and label_name(kind) in customer
    assert browser.get("/dashboard/customers/nobody").status_code == 404


def test_text_is_escaped(browser, world):
    headers = {"Authorization": f"Bearer {world.tokens['manager']}"}
    text = b"Rep: Hello there.\nCustomer: <script>alert('x')</script> we will cancel.\n"
    made = world.client.post(
        "/api/uploads",
        files={"file": ("xss.txt", text)},
        data={"customer_id": "acme"},
        headers=headers,
    )
    sign_in(browser, world.tokens["manager"])
    page = browser.get(f"/dashboard/calls/{made.json()['created'][0]}").text
    assert "<script>alert" not in page and "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in page


def test_search_finds_lines_links_to_them_and_keeps_reps_to_their_calls(browser, world):
    sign_in(browser, world.tokens["manager"])
    page = browser.get("/dashboard/search", params={"q": "gong"}).text
    links = re.findall(r'href="/dashboard/calls/(int_[0-9a-f]+)#u-(\d+)"', page)
    assert (world.recording_id, "3") in links and '<mark class="match">Gong</mark>' in page
    assert (
        "Type at least two characters." in browser.get("/dashboard/search", params={"q": "g"}).text
    )
    assert "No line contains" in browser.get("/dashboard/search", params={"q": "zzzz-nothing"}).text
    sign_in(browser, world.tokens["rep"])
    headers = {"Authorization": f"Bearer {world.tokens['manager']}"}
    theirs = re.findall(
        r'href="/dashboard/calls/(int_[0-9a-f]+)#',
        browser.get("/dashboard/search", params={"q": "price"}).text,
    )
    reps = {
        world.client.get(f"/api/interactions/{i}", headers=headers).json()["interaction"]["rep"]
        for i in theirs
    }
    assert theirs and reps == {"sam"}


def test_the_cli_the_api_and_the_dashboard_name_labels_alike(browser, world):
    """One vocabulary (models.records.label_name): the CLI's summary, the API's risk explanations and the
    dashboard's chips and filter show the same display name for a label."""
    assert set(TAG_LABELS) <= set(LABEL_NAMES)
    sign_in(browser, world.tokens["manager"])
    headers = {"Authorization": f"Bearer {world.tokens['manager']}"}
    detail = world.client.get(f"/api/interactions/{world.recording_id}", headers=headers).json()
    page = browser.get(f"/dashboard/calls/{world.recording_id}").text
    chips = dict(re.findall(r'<span class="chip label-(\w+)">([^<]+)</span>', page))
    markdown = to_markdown(
        Summary.model_validate(detail["summary"])
    )  # what `callintel summary` prints
    for moment in detail["summary"]["key_moments"]:
        assert chips[moment["kind"]] == label_name(moment["kind"])
        assert f"**{label_name(moment['kind'])}" in markdown
    queue = browser.get("/dashboard/").text
    assert all(f">{label_name(label)}</option>" in queue for label in TAG_LABELS)
    named = 0
    for customer in world.client.get("/api/customers", headers=headers).json():
        for signal in customer["signals"]:
            if signal["kind"] in TAG_LABELS:
                assert signal["explanation"].startswith(label_name(signal["kind"]))
                named += 1
    assert named
