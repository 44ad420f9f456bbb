"""The dashboard's at-risk list (``/dashboard/customers``) as the rows it draws (issue 19).

The page's customers are the JSON list's (models/risk_lines.py ``risk_page``: the same rows, order and total, as
plain records); one more statement, built once (models/account_facts.py), reads what the dashboard adds to
them: each customer's account (owner, ARR, renewal) and last contact. Each row is drawn here, once, as the
markup customers.html drew cell by cell before, every value from the data escaped as the template's
autoescape escapes it (markupsafe's ``escape``): the template's loop over 50 rows of ten cells, an escape and
an attribute lookup a cell, cost Jinja more than the page's reads.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from markupsafe import Markup, escape

from api.dashboard_views import kind_colours
from models.account_facts import AccountFacts, page_accounts
from models.records import label_name
from models.risk_lines import RiskLine
from models.store import Store

__all__ = ["Piece", "customer_lines"]

NONE = "–"  # what an empty cell shows
SHOWN_KINDS = 3  # the kinds named under the stack


# A piece's markup, its values escaped as the template's autoescape escapes them: formatted once a piece
_STACKED = Markup('<span data-width="{}" data-colour="{}" title="{}: −{}"></span>')
_NAMED = Markup("<small>{} −{}</small> ")


@dataclass(frozen=True, slots=True)
class Piece:
    """One kind's points lost: its share of the row's stack and, for the first few, its name under it."""

    stacked: Markup  # its span in the stack
    named: Markup  # its name and points under the stack


@lru_cache(maxsize=1024)
def _shown(text: str) -> str:
    """A value that recurs across rows and pages (a band, an owner, an amount) escaped once."""
    return str(escape(text))


def day(at: date) -> str:
    """``at.strftime("%Y-%m-%d")`` at a tenth of its cost (``isoformat``; strftime writes a year before 1000
    without its leading zeros)."""
    return at.isoformat()[:10] if at.year >= 1000 else at.strftime("%Y-%m-%d")


def _account_cells(a: AccountFacts | None) -> tuple[str, str, str, str]:
    """(owner, ARR, renewal, last contact) as shown, escaped; ``–`` where there is none."""
    if a is None:
        return NONE, NONE, NONE, NONE
    last = day(a.last_contact) if a.last_contact else NONE
    if not a.has_account:
        return NONE, NONE, NONE, last
    arr = NONE if a.arr is None else _shown(f"{a.arr:,.0f} {a.currency}")
    renewal = str(a.renewal_date) if a.renewal_date else NONE
    return _shown(a.owner) if a.owner else NONE, arr, renewal, last


@lru_cache(maxsize=4096)
def _piece(kind: str, lost: float, colour: str) -> Piece:
    """A piece as shown (the same kinds and points recur on every page: each is formatted once)."""
    shown = str(lost)
    stacked = _STACKED.format(f"{min(lost, 100):.1f}", colour, kind, shown)
    return Piece(stacked, _NAMED.format(label_name(kind), shown))


def _line(line: RiskLine, found: AccountFacts | None, colours: Mapping[str, str]) -> Markup:
    """The row's ``<tr>``, with the whitespace around it that the template's loop wrote."""
    pieces = [_piece(kind, lost, colours[kind]) for kind, lost in line.breakdown.items()]
    owner, arr, renewal, last = _account_cells(found)
    band, customer = _shown(line.band), escape(line.customer_id)
    name = escape(line.name) if line.name else customer
    score = NONE if line.score is None else f"{line.score:.1f}"  # digits: nothing to escape
    stack = "".join([p.stacked for p in pieces])  # markup already: joined as text
    named = "".join([p.named for p in pieces[:SHOWN_KINDS]])
    evidence = escape(line.signals[0].explanation) if line.signals else NONE
    return Markup(f"""
    <tr class="band-{band}">
      <td><a class="customer-link" href="/dashboard/customers/{customer}">{name}</a></td>
      <td class="num score">{score}</td>
      <td><span class="band {band}">{band}</span></td>
      <td class="owner">{owner}</td>
      <td class="num arr">{arr}</td>
      <td class="renewal">{renewal}</td>
      <td class="breakdown">
        <div class="stack">{stack}</div>
        {named}
      </td>
      <td class="evidence">{evidence}</td>
      <td>{last}</td>
    </tr>
  """)  # fmt: skip


def customer_lines(store: Store, lines: Sequence[RiskLine]) -> list[Markup]:
    """The page's rows, in its order, each kind in the colour it has across the page."""
    accounts = page_accounts(store, [line.customer_id for line in lines])
    colours = kind_colours(kind for line in lines for kind in line.breakdown)
    return [_line(line, accounts.get(line.customer_id), colours) for line in lines]
