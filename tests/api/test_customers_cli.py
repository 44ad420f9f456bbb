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
