"""`callintel portfolio` / `callintel segments` and `GET /api/portfolio` / `GET /api/segments` give the same
answers over the same store (tests/portfolio/book.py), and a bad filter is one line (CLI) or a 422 naming it."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.service import Callintel
from models.settings import Settings
from models.store import Store
from tests.portfolio.book import build_book


@pytest.fixture
def book_url(tmp_path, migrated_copy) -> str:
    url = migrated_copy(f"sqlite:///{tmp_path / 'book.db'}")
    with Store(url) as store:
        build_book(store)
    return url


@pytest.fixture
def api(book_url, tmp_path):
    callintel = Callintel(Settings(database_url=book_url, upload_dir=tmp_path / "uploads"))
    secret = callintel.create_token("manager", "manager")[1]
    with callintel, TestClient(create_app(callintel.settings, callintel.store)) as client:
        client.headers["Authorization"] = f"Bearer {secret}"
        yield client


def test_the_portfolio_is_the_same_in_the_cli_and_the_api(cli, book_url, api):
    run = cli("portfolio", "--as-of", "2026-10-31", "--json", "--database-url", book_url)
    assert run.returncode == 0, run.stderr
    response = api.get("/api/portfolio", params={"as_of": "2026-10-31"})
    assert response.status_code == 200, response.text
    assert response.json() == json.loads(run.stdout)
    october = response.json()["months"][-1]
    assert (october["period"], october["churn_rate"], october["arr_churned"]) == (
        "2026-10",
        0.1667,
        60000,
    )


@pytest.mark.parametrize(
    "filters",
    [{}, {"segment": "champions"}, {"band": "red"}, {"owner": "sam", "tag": "complaint_30d"},
     {"renewal_within": "60", "limit": "1", "offset": "1"}],
)  # fmt: skip
def test_the_segments_are_the_same_in_the_cli_and_the_api(cli, book_url, api, filters):
    options = [f"--{k.replace('_', '-')}={v}" for k, v in filters.items()]
    run = cli("segments", "--as-of", "2026-10-31", "--json", *options, "--database-url", book_url)
    assert run.returncode == 0, run.stderr
    response = api.get("/api/segments", params={"as_of": "2026-10-31", **filters})
    assert response.status_code == 200, response.text
    assert response.json() == json.loads(run.stdout) and response.json()["items"]


@pytest.mark.parametrize(
    ("option", "value", "field"),
    [("segment", "vip", "segment"), ("band", "blue", "band"), ("tag", "nope", "tag"),
     ("as-of", "2026-13-01", "as_of")],
)  # fmt: skip
def test_a_bad_filter_is_one_line_in_the_cli_and_a_422_naming_it_in_the_api(
    cli, book_url, api, option, value, field
):
    run = cli("segments", f"--{option}", value, "--database-url", book_url)
    assert run.returncode == 1 and len(run.stderr.strip().splitlines()) == 1, run.stderr
    assert value in run.stderr and "Traceback" not in run.stderr
    response = api.get("/api/segments", params={field: value})
    assert response.status_code == 422
    assert response.json()["message"].startswith(f"query.{field}:")


def test_a_rep_may_not_read_the_book(book_url, tmp_path):
    callintel = Callintel(Settings(database_url=book_url, upload_dir=tmp_path / "uploads"))
    secret = callintel.create_token("rep", "rep", rep="dana")[1]
    with callintel, TestClient(create_app(callintel.settings, callintel.store)) as client:
        response = client.get("/api/portfolio", headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 403


def test_a_bad_segments_file_is_one_line_naming_the_field(cli, book_url, tmp_path):
    bad = tmp_path / "segments.yaml"
    bad.write_text("segments:\n  - name: champions\n    label: Champions\n    r: [5, 2]\n")
    run = cli("segments", "--database-url", book_url, env={"CALLINTEL_SEGMENTS_CONFIG": str(bad)})
    assert run.returncode == 2
    assert run.stderr.strip() == f"callintel: {bad}: segments.0.r: low (5) is above high (2)"
