"""CPU ms of one customer's page reads through the facade, in process, from the stored evaluation (issue 19).

    PYTHONPATH=TREE python bench/customer_reads.py --database-url URL [--customer ID] [--repeat 10]

What the routes call, without HTTP or a token, so it reads a book without writing to it: the customer page
(``GET /api/customers/{id}``), the timeline (``.../timeline?days=60``) and the dashboard's customer page
(``days=120`` with the contacts' last logins). The best of three rounds of ``--repeat`` calls each, this
process's CPU time (the database server's work on PostgreSQL is not in it). It runs on the code before issue
19's customer reads too (PYTHONPATH naming an older tree), so the two compare in one session.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from typing import Any

from api.account_view import account_summary
from api.service import Callintel
from bench.make_portfolio import END
from models.settings import Settings

__all__ = ["main"]


def _reads(callintel: Callintel, who: str) -> dict[str, Callable[[], Any]]:
    new = hasattr(callintel, "customer_account")  # the code since issue 19's customer reads

    def account() -> Any:
        if new:
            return callintel.customer_account(who, END)
        return callintel.account_view(who, END, recompute=False)

    def dashboard() -> Any:
        view = callintel.customer(who, END, 120, recompute=False)
        if new and not view.whole_usage:
            contacts = callintel.contacts_seen(view.history, END)
            return account_summary(view.history, END, [], view.recommendation, contacts)
        return account_summary(view.history, END, [], view.recommendation)

    return {
        f"/api/customers/{who}": account,
        f"/api/customers/{who}/timeline?days=60": lambda: callintel.customer(who, END, 60, False),
        f"/dashboard/customers/{who} (reads)": dashboard,
    }


def _best(read: Callable[[], Any], repeat: int) -> float:
    read()
    rounds = []
    for _ in range(3):
        began = time.process_time()
        for _ in range(repeat):
            read()
        rounds.append((time.process_time() - began) * 1000 / repeat)
    return min(rounds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--customer", help="default: the first of the stored at-risk list")
    parser.add_argument("--repeat", type=int, default=10)
    args = parser.parse_args()
    with Callintel(Settings(database_url=args.database_url, risk_as_of=END)) as callintel:
        who = args.customer or callintel.customers(END, limit=1).items[0][0].customer_id
        print(f"{'read (cpu ms, best of 3)':<52}{'cpu':>7}")
        for name, read in _reads(callintel, who).items():
            print(f"{name:<52}{_best(read, args.repeat):>7.2f}", flush=True)


if __name__ == "__main__":
    main()
