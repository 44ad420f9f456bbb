"""The dashboard's customer page from stored state (api/dashboard_customer.py, issue 19): on a generated,
evaluated portfolio backfilled for the chart's 18 weeks (both backends), the page read as the JSON timeline
reads it draws the HTML the view drew (api/queries.py ``customer_view``), byte for byte, and its figures are
the recomputed ones without a history read; where a week of the chart has no stored evaluation, that week
is recomputed and the chart keeps its points."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

import api.dashboard_customer
import api.queries
from api.app import create_app
from api.dashboard_customer import customer_page_reads, stored_page
from api.queries import STEP
from api.service import Callintel
from bench.make_portfolio import END, build
from models.settings import Settings
from risk.health import Health, health, replay_moments
from risk.history import load_history
from risk.refresh import backfill
from tests.api.test_dashboard import sign_in
from tests.api.test_stored_reads import _fill, _health, _point
from tests.helpers import known

pytestmark = [pytest.mark.both_backends, pytest.mark.slow]
CUSTOMERS = 24


def _book(db_url: str, tmp_path: Path, weeks: int) -> tuple[Callintel, list[str]]:
    """The portfolio's customers evaluated at END, ``weeks`` weeks before it backfilled; every id."""
    callintel = Callintel(
        Settings(database_url=db_url, upload_dir=tmp_path / "uploads", risk_as_of=END)
    )
    histories = build(CUSTOMERS, seed=23).histories
    _fill(callintel, histories)
    callintel.evaluate(END)
    backfill(callintel.store, callintel.risk_config(), END, weeks, batch=8)
    return callintel, [h.customer_id for h in histories]


@pytest.fixture
def backfilled(db_url: str, tmp_path: Path) -> tuple[Callintel, list[str]]:
    """The 18 weeks the page's default 120 days chart (`callintel alert backfill --weeks 18`)."""
    return _book(db_url, tmp_path, 18)


def _pages(client: TestClient, monkeypatch, path: str) -> tuple[tuple, tuple]:
    """The page (status, bytes), then the view's page (the stored state never read)."""
    new = client.get(path)
    with monkeypatch.context() as patched:
        patched.setattr(api.dashboard_customer, "stored_page", lambda *_: None)
        old = client.get(path)
    return (new.status_code, new.content), (old.status_code, old.content)


def test_the_stored_page_draws_the_views_html(backfilled, monkeypatch):
    callintel, everyone = backfilled
    with callintel, TestClient(create_app(callintel.settings, callintel.store)) as client:
        sign_in(client, callintel.create_token("manager", "m")[1])
        config, playbooks = callintel.risk_config(), callintel.playbooks()
        stored = 0
        for who in everyone:
            for days in (30, 120, 365):  # 365: past the signals' horizon, the view's
                found = stored_page(callintel.store, config, playbooks, who, END, days)
                stored += found is not None
                new, old = _pages(client, monkeypatch, f"/dashboard/customers/{who}?days={days}")
                assert new == old and new[0] == 200, (who, days)
        assert stored >= CUSTOMERS  # the usual case: the stored state, not the view
        assert _pages(client, monkeypatch, "/dashboard/customers/nobody")[0][0] == 404


def _recomputed_points(callintel: Callintel, who: str, replay: list[Health]) -> None:
    """Each of the chart's points is the health recomputed at its own moment (a stored one: the latest
    evaluation in the week up to the chart's moment; an unstored week: that moment itself)."""
    history, config = known(load_history(callintel.store, who)), callintel.risk_config()
    moments = replay_moments(END - timedelta(days=120), END, STEP)
    assert len(replay) == len(moments) == 19
    for moment, point in zip(moments, replay, strict=True):
        assert moment - STEP < point.as_of <= moment
        assert _point(point) == _point(health(history, point.as_of, config))


def test_the_stored_page_is_the_recomputed_one_without_a_history(backfilled, monkeypatch):
    """Health, signals, weekly points (churned flags too), timeline and recommendation equal what the
    recomputation gives, for every evaluated customer, churned ones included; no history is read."""
    callintel, everyone = backfilled
    with callintel:
        config, playbooks = callintel.risk_config(), callintel.playbooks()
        recomputed = {who: callintel.customer(who, END, 120, recompute=True) for who in everyone}
        with monkeypatch.context() as patched:
            for name in ("load_history", "read_histories"):
                patched.setattr(api.queries, name, _unread)
            found = {
                who: stored_page(callintel.store, config, playbooks, who, END, 120)
                for who in everyone
            }
        churned = 0
        for who, view in recomputed.items():
            if view.health.score is None:
                assert found[who] is None  # never rated: nothing stored to read
                continue
            page = found[who]
            assert page is not None
            assert _health(page.view.health) == _health(view.health)
            assert page.view.health.churned == view.health.churned
            _recomputed_points(callintel, who, page.view.replay)
            assert page.view.timeline == view.timeline
            assert page.view.recommendation == view.recommendation
            assert [a.customer_id for a in page.alerts] == [who] * len(page.alerts)
            churned += view.health.churned
        assert churned  # the portfolio's churners are on the page too


def _unread(*_: object) -> None:
    raise AssertionError("a history was read")


def test_weeks_without_a_stored_evaluation_are_recomputed(db_url: str, tmp_path: Path):
    """Only 9 of the chart's 18 weeks stored: the page is the view's, its other 9 weeks recomputed, so the
    chart has all 19 points, each the health at its moment."""
    callintel, everyone = _book(db_url, tmp_path, 9)
    with callintel:
        config, playbooks = callintel.risk_config(), callintel.playbooks()
        for who in everyone[:8]:
            view = callintel.customer(who, END, 120, recompute=True)
            if view.health.score is None:
                continue
            assert stored_page(callintel.store, config, playbooks, who, END, 120) is None
            assert stored_page(callintel.store, config, playbooks, who, END, 56) is not None
            page = customer_page_reads(callintel, who, END, 120)
            _recomputed_points(callintel, who, page.view.replay)
            assert sum(p.as_of in replay_moments(END - timedelta(days=120), END, STEP)
                       for p in page.view.replay) >= 9  # fmt: skip
            assert page.view.timeline == view.timeline
