"""`callintel token ...` and `callintel webhook ...`: the administrator's command groups (api/cli.py adds them)."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer

from api import render
from api.commands import DATABASE_HELP, open_callintel
from models.outbox import EVENT_TYPES

__all__ = ["token_app", "webhook_app"]


token_app = typer.Typer(help="API tokens: create (shown once), list, revoke.", no_args_is_help=True)


class TokenRole(StrEnum):
    admin = "admin"
    manager = "manager"
    rep = "rep"
    crm = "crm"


@token_app.command("create")
def token_create(
    role: Annotated[
        TokenRole, typer.Option(help="admin, manager, rep (sees only their calls) or crm.")
    ],
    rep: Annotated[
        str | None, typer.Option(help="For a rep token: the rep's name as in the interactions.")
    ] = None,
    name: Annotated[
        str | None, typer.Option(help="What the token is for (shown in 'token list').")
    ] = None,
    database_url: Annotated[str | None, typer.Option(help=DATABASE_HELP)] = None,
) -> None:
    """Create a token and print it once (only its hash is stored)."""
    with open_callintel(database_url) as callintel:
        token, secret = callintel.create_token(role.value, name or f"{role.value} token", rep)
    render.stdout.print(
        f"created token {token.id} ({token.role}{', rep ' + token.rep if token.rep else ''}); "
        "keep it now, it is not shown again:",
        markup=False,
    )
    print(secret)


@token_app.command("list")
def token_list(
    database_url: Annotated[str | None, typer.Option(help=DATABASE_HELP)] = None,
) -> None:
    """Every token: id, name, role, rep, prefix, created, last used, revoked."""
    with open_callintel(database_url) as callintel:
        render.stdout.print(render.tokens_table(callintel.tokens()))


@token_app.command("revoke")
def token_revoke(
    token_id: Annotated[int, typer.Argument(help="The token's id (see 'callintel token list').")],
    database_url: Annotated[str | None, typer.Option(help=DATABASE_HELP)] = None,
) -> None:
    """Revoke a token: requests with it get 401 from now on."""
    with open_callintel(database_url) as callintel:
        callintel.revoke_token(token_id)
    render.stdout.print(f"revoked token {token_id}", markup=False)


webhook_app = typer.Typer(
    help="Webhooks: subscribe a URL to events, see the delivery log, deliver what is due.",
    no_args_is_help=True,
)


@webhook_app.command("add")
def webhook_add(
    url: Annotated[str, typer.Argument(help="Where to POST the events (http or https).")],
    event: Annotated[
        list[str],
        typer.Option(help="An event type (repeat the option): " + ", ".join(EVENT_TYPES) + "."),
    ],
    secret: Annotated[
        str | None, typer.Option(help="Signing secret (default: a new random one, printed).")
    ] = None,
    database_url: Annotated[str | None, typer.Option(help=DATABASE_HELP)] = None,
) -> None:
    """Subscribe a URL to events; every request is signed with the subscription's secret."""
    with open_callintel(database_url) as callintel:
        subscription_id, signing_secret = callintel.add_webhook(url, event, secret)
    render.stdout.print(
        f"subscription {subscription_id}: {url} <- {', '.join(sorted(set(event)))}; signing secret:",
        markup=False,
    )
    print(signing_secret)


@webhook_app.command("deliveries")
def webhook_deliveries(
    status: Annotated[str | None, typer.Option(help="pending, delivered or failed.")] = None,
    limit: Annotated[int, typer.Option(min=1, help="Show at most this many, newest first.")] = 50,
    database_url: Annotated[str | None, typer.Option(help=DATABASE_HELP)] = None,
) -> None:
    """The delivery log: event, subscription, status, attempts, last HTTP status or error."""
    with open_callintel(database_url) as callintel:
        render.stdout.print(render.deliveries_table(callintel.deliveries(status, limit=limit)))


@webhook_app.command("list")
def webhook_list(
    database_url: Annotated[str | None, typer.Option(help=DATABASE_HELP)] = None,
) -> None:
    """The live subscriptions (their secrets are never shown again)."""
    with open_callintel(database_url) as callintel:
        render.stdout.print(render.subscriptions_table(callintel.webhooks()))


@webhook_app.command("remove")
def webhook_remove(
    subscription_id: Annotated[
        int, typer.Argument(help="The subscription's id (see 'callintel webhook list').")
    ],
    database_url: Annotated[str | None, typer.Option(help=DATABASE_HELP)] = None,
) -> None:
    """Stop sending to a subscription; its pending deliveries are dropped, its log is kept."""
    with open_callintel(database_url) as callintel:
        callintel.remove_webhook(subscription_id)
    render.stdout.print(f"removed subscription {subscription_id}", markup=False)


@webhook_app.command("deliver")
def webhook_deliver(
    database_url: Annotated[str | None, typer.Option(help=DATABASE_HELP)] = None,
) -> None:
    """Send every delivery that is due (new ones, and retries whose time has come); for cron."""
    with open_callintel(database_url) as callintel:
        outcome = callintel.deliver_due()
    render.stdout.print(
        f"delivered {outcome.delivered}, retrying later {outcome.retrying}, failed {outcome.failed}",
        markup=False,
    )
