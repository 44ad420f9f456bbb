"""bench/api_portfolio.py: the server CPU count (a process tree's user + system time from /proc) and --only."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time

import pytest

from bench.api_portfolio import (
    AGGREGATES,
    NOT_TIMED,
    OTHER_ROUTES,
    ROUTES,
    _tree,
    chosen,
    cpu_seconds,
)


def test_cpu_seconds_counts_this_process_s_work_and_the_tree_its_children():
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        deadline = time.monotonic() + 10
        while child.pid not in _tree(os.getpid()) and time.monotonic() < deadline:
            time.sleep(0.05)  # polling: the child is in /proc once it has started
        assert child.pid in _tree(os.getpid()) and os.getpid() in _tree(os.getpid())
        before = cpu_seconds(os.getpid())
        began = time.process_time()
        while time.process_time() - began < 0.3:  # burn 0.3 s of this process's CPU
            sum(range(10_000))
        assert cpu_seconds(os.getpid()) - before >= 0.2  # clock ticks: 10 ms resolution
    finally:
        child.kill()
        child.wait()


def test_only_keeps_the_routes_with_a_given_prefix_in_order() -> None:
    assert chosen(ROUTES, []) == ROUTES
    dashboards = chosen(ROUTES, ["/dashboard/"])
    assert dashboards == [route for route in ROUTES if route.startswith("/dashboard/")]
    assert len(dashboards) == 2
    both = chosen(ROUTES, ["/api/search", "/api/alerts"])
    assert both == ["/api/search?q=export", *[r for r in ROUTES if r.startswith("/api/alerts")]]


def test_only_with_no_matching_route_is_one_line() -> None:
    with pytest.raises(SystemExit, match="no route starts with /nowhere"):
        chosen(ROUTES, ["/nowhere"])


def _get_paths(routes, prefix: str = "") -> set[str]:
    """The app's GET path templates, with the included routers' prefixes (each parameter as {})."""
    found: set[str] = set()
    for route in routes:
        if type(route).__name__ == "_IncludedRouter":
            found |= _get_paths(
                route.original_router.routes, prefix + (route.include_context.prefix or "")
            )
        elif "GET" in (getattr(route, "methods", None) or ()):
            found.add(re.sub(r"\{[^}]*\}", "{}", prefix + route.path))
    return found


def test_every_read_route_is_timed_or_left_out_with_a_reason(tmp_path) -> None:
    from api.app import create_app
    from models.settings import Settings

    app = create_app(Settings(database_url=f"sqlite:///{tmp_path / 'routes.db'}"))
    timed = {
        re.sub(r"\{[^}]*\}", "{}", r.split("?")[0]) for r in ROUTES + OTHER_ROUTES + AGGREGATES
    }
    paths = _get_paths(app.routes)
    assert "/api/customers/{}/timeline" in paths and "/dashboard/customers/{}" in paths
    assert paths - timed == set(NOT_TIMED)
