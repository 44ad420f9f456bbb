"""bench/api_portfolio.py's server CPU count: a process tree's user + system time from /proc."""

from __future__ import annotations

import os
import subprocess
import sys
import time

from bench.api_portfolio import _tree, cpu_seconds


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
