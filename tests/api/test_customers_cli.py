"""`callintel customers` shows each account's owner, ARR and renewal date, in the table and in --json."""

from __future__ import annotations

import json

from models.store import Store
from tests.api.accounts_seed import seed


def test_customers_show_owner_arr_and_renewal(tmp_path, cli):
    url = f"sqlite:///{tmp_path / 'c.db'}"
    with Store(url) as store:
        seed(store)
    rows = {
        r["customer_id"]: r
        for r in json.loads(
            cli("customers", "--json", "--as-of", "2026-10-31", "--database-url", url).stdout
        )
    }
    assert rows["acme"]["owner"] == "dana" and rows["acme"]["arr"] == 48000.0
    assert rows["acme"]["currency"] == "EUR" and rows["acme"]["renewal_date"] == "2027-01-31"
    assert rows["acme"]["lifecycle_status"] == "cancel_requested"
    assert rows["globex"]["owner"] == "lee" and rows["globex"]["renewal_date"] is None
    assert "score" in rows["acme"] and rows["acme"]["name"] == "Acme Logistics"
    for columns in ("80", "200"):
        table = cli(
            "customers", "--as-of", "2026-10-31", "--database-url", url, env={"COLUMNS": columns}
        ).stdout
        assert all(len(line) <= int(columns) for line in table.splitlines())
        acme = next(line for line in table.splitlines() if line.lstrip("│ ").startswith("acme"))
        assert "dana" in acme and "48k EUR" in acme and "2027-01-31" in acme
        assert ("last contact" in table) == (columns == "200")


def test_timeline_shows_the_account_panel(tmp_path, cli):
    url = f"sqlite:///{tmp_path / 't.db'}"
    with Store(url) as store:
        seed(store)
    run = cli("timeline", "acme", "--as-of", "2026-10-31T00:00:00", "--database-url", url)
    assert run.returncode == 0, run.stderr
    out = " ".join(run.stdout.split())
    assert (
        "Account: owner dana · Growth · 48,000 EUR ARR · since 2023-02-01 · renewal 2027-01-31 "
        "(in 92 days) · mid-market · cancel requested since 2026-10-28: Moving to Gong at renewal"
    ) in out
    assert (
        "Recommended action now: Executive visit to diagnose what changed and make a save offer"
        in out
    )
    assert (
        "Open alert's action: Executive visit to diagnose what changed (alert 1 of 2026-10-29, open)"
        in out
    )
    assert "│ u7 │ Raj Admin │ admin │ 2026-10-25 (6 days ago) │" in out
    assert "│ zoe@acme.example │ Zoe Quiet │ champion │ never │" in out
    assert "│ INV-3 │ 2026-10-01 │ 2026-10-26 │ 4,000.00 EUR │ failed, 2 failed attempts │" in out
    assert "│ 2026-10-21 │ NPS │ 3 │ Too expensive for what we use │" in out
    data = json.loads(
        cli(
            "timeline", "acme", "--as-of", "2026-10-31T00:00:00", "--json", "--database-url", url
        ).stdout
    )
    account = data["account"]
    assert account["owner"] == "dana" and account["renewal_date"] == "2027-01-31"
    assert [i["state"] for i in account["invoices"]] == ["failed", "paid late", "paid"]
    assert [c["user"] for c in account["contacts"] if c["last_seen"] is None] == [
        "zoe@acme.example"
    ]
    assert account["recommended_action"] == "Executive visit to diagnose what changed"
    assert [s["score"] for s in account["surveys"]] == [2, 3, 9]
    bare = json.loads(
        cli("timeline", "globex", "--json", "--as-of", "2026-10-31", "--database-url", url).stdout
    )
    assert bare["account"]["owner"] == "lee" and bare["account"]["contacts"] == []
