"""CPU a request for the token's path alone: three trivial sync routes in one process, served with every
middleware on through httpx's ASGI transport, alternated round by round so that the machine's load hits all alike:

    none   no token at all (what every route pays without one)
    chain  the token as it was solved until round 5: FastAPI's HTTPBearer, then a sync dependency (a hop to
           the thread pool) reading the token through SQLAlchemy, then an async role check
    new    api/deps.py ``allow``: one async dependency (the lookup inline on SQLite, in the pool on PostgreSQL)

    python bench/token_path.py --database-url URL --token SECRET [--requests 200] [--rounds 8]

Prints the least and the median of the rounds' means (CPU ms a request); chain - none and new - none are the
token's cost. The token must be a live manager or admin token of that store.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import statistics
import sys
from pathlib import Path
from typing import Annotated, Any

import httpx
from fastapi import Depends, FastAPI
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

sys.path.append(str(Path(__file__).resolve().parents[1]))

from api.app import create_app  # noqa: E402
from api.deps import ServiceDep, allow, check_role  # noqa: E402
from bench.api_floor import cpu_ms  # noqa: E402
from models import tokens_repo  # noqa: E402
from models.errors import Unauthorized  # noqa: E402
from models.settings import Settings  # noqa: E402

__all__ = ["main"]

_bearer = HTTPBearer(auto_error=False)


def _chain_token(
    callintel: ServiceDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> tokens_repo.ApiToken:
    if credentials is None:
        raise Unauthorized("missing API token")
    digest = hashlib.sha256(credentials.credentials.encode()).hexdigest()
    with callintel.store.reading() as connection:  # the SQLAlchemy Core read of round 4
        found = connection.execute(tokens_repo._LIVE_TOKEN, {"token_hash": digest}).first()
    if found is None:
        raise Unauthorized("invalid or revoked API token")
    return tokens_repo.ApiToken(*found)


async def _chain_allow(
    token: Annotated[tokens_repo.ApiToken, Depends(_chain_token)],
) -> tokens_repo.ApiToken:
    return check_role(token, ("admin", "manager"))


def _routes(app: FastAPI) -> list[str]:
    @app.get("/api/bench/none")
    def none() -> dict[str, int]:
        return {"ok": 1}

    @app.get("/api/bench/chain")
    def chain(token: Annotated[tokens_repo.ApiToken, Depends(_chain_allow)]) -> dict[str, int]:
        return {"ok": 1}

    @app.get("/api/bench/new")
    def new(
        token: Annotated[tokens_repo.ApiToken, Depends(allow("admin", "manager"))],
    ) -> dict[str, int]:
        return {"ok": 1}

    return ["/api/bench/none", "/api/bench/chain", "/api/bench/new"]


async def _run(args: argparse.Namespace) -> None:
    app = create_app(Settings(database_url=args.database_url, rate_limit=1_000_000))
    paths = _routes(app)
    means: dict[str, list[float]] = {path: [] for path in paths}
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app),
            base_url="http://127.0.0.1",
            headers={"Authorization": f"Bearer {args.token}"},
        ) as client,
    ):
        for path in paths:
            answer = await client.get(path)
            if answer.status_code != 200:
                raise SystemExit(f"{path}: {answer.status_code} {answer.text}")
            await cpu_ms(client, path, 20)  # warm
        for _ in range(args.rounds):
            for path in paths:
                means[path].append(await cpu_ms(client, path, args.requests))
    print(f"{'route':<20}{'least':>8}{'median':>8}  (CPU ms a request)")
    for path, values in means.items():
        print(f"{path:<20}{min(values):>8.3f}{statistics.median(values):>8.3f}")


def main(argv: Any = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--token", required=True)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=8)
    asyncio.run(_run(parser.parse_args(argv)))


if __name__ == "__main__":
    main()
