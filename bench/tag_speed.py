"""Tagging throughput and `callintel tag` start-up: sentence-transformers fp32 against ONNX Runtime fp32 and int8.

    python bench/tag_speed.py [--lines 2000] [--runs 3] [--threads 0] [--batch-size 512]
                              [--startup-runs 3] [--baseline-ref REF ...] [--no-startup]

Throughput, in one process on the same lines, for three encoders under the same tagger:
``sentence-transformers fp32`` (the encoder before issue 19: the bundled MiniLM through
sentence-transformers and torch), ``onnx fp32`` (the bundled MiniLM exported once to ONNX,
run by ONNX Runtime: the default) and ``onnx int8`` (CALLINTEL_ENCODER_PRECISION=int8, the
onnxruntime-quantised copy). torch and ONNX Runtime get the same thread count (``--threads``;
0 means each library's default, the physical cores). The ONNX files come from the model
cache (made there first if missing, outside the timings). The bare encoder's figure (each
line embedded whole) is given beside the tagger's (sentence splitting, one embedding per
sentence, rules, heads).

The rows are interleaved, so that a busy spell of a shared machine falls on all of them: after
a warm-up of each, every one of ``--runs`` rounds times every row once (bare encoder, then
tagger), starting one row further along each round; each figure is its row's minimum over the
rounds. Every figure is given twice: ``wall``, lines per second of elapsed time, and ``CPU``,
lines per second of the process's CPU time (user + system, all threads) over the same timed
call. CPU time counts less of the other processes on the machine than wall time does (though
not nothing: caches, a thread waiting at a parallel region's barrier), and counts the CPU a
thread pool burns spinning, which wall time hides; with more than one thread busy the CPU rate is
below the wall rate. ``tagger/encoder`` is the tagger's rate over the bare encoder's; the
speed-ups are against the first row's tagger, in the same run. The header gives the 1-minute
load average before and after the timings.

Start-up: the wall time of ``callintel tag`` on one line (a new interpreter each time,
import, model load and one tagging), best of ``--startup-runs``, for this tree and for
the trees of ``--baseline-ref`` (extracted with ``git archive``; by default 041a64b, the
commit before issue 19's start-up work, and 5bf0533, the plain-torch MiniLM this replaced).
The ONNX start-up is that of a warm model cache (the one-off export is not counted).
"""

from __future__ import annotations

import argparse
import math
import os
import resource
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from nlp.components import encoder_of  # noqa: E402
from nlp.dataset import SPLITS, load_split  # noqa: E402
from nlp.encoder import Precision, bundled_model_dir  # noqa: E402
from nlp.tagger import Tagger, TagInput  # noqa: E402

ENCODE_BATCH = 64  # the encoder's own batch, the same for every figure
BASELINE_REF = "041a64b"  # sentence-transformers encoder, eager CLI imports
PLAIN_TORCH_REF = "5bf0533"  # the hand-written plain-torch MiniLM (nlp/bert.py), lazy CLI imports
ONE_LINE = "We are moving to Gong next quarter, it is just too expensive for us.\n"


def make_lines(count: int) -> list[str]:
    """``count`` utterances: the labelled dataset, cycled, every repeat with a different prefix."""
    base = [e.text for name in SPLITS for e in load_split(name)]
    fillers = ("", "Okay, so ", "Right. ", "Well, ", "To be honest, ", "Also, ", "One more thing: ")
    return [fillers[(i // len(base)) % len(fillers)] + base[i % len(base)] for i in range(count)]


@dataclass
class Row:
    """One encoder's best (minimum) times over the runs, in seconds: wall and process CPU (every thread)."""

    name: str
    tagger: Tagger
    encode_wall: float = math.inf
    encode_cpu: float = math.inf
    tag_wall: float = math.inf
    tag_cpu: float = math.inf


def timed(work: Callable[[], object]) -> tuple[float, float]:
    """Wall and process CPU seconds of one call of ``work``."""
    cpu, wall = time.process_time(), time.perf_counter()
    work()
    return time.perf_counter() - wall, time.process_time() - cpu


def run_once(row: Row, lines: list[str]) -> None:
    """Time the bare encoder and the whole tagger once each; keep each figure's minimum."""
    encoder = encoder_of(row.tagger.pipeline)
    wall, cpu = timed(lambda: encoder.encode(lines, batch_size=ENCODE_BATCH))
    row.encode_wall, row.encode_cpu = min(row.encode_wall, wall), min(row.encode_cpu, cpu)
    wall, cpu = timed(lambda: list(row.tagger.tag(TagInput(text) for text in lines)))
    row.tag_wall, row.tag_cpu = min(row.tag_wall, wall), min(row.tag_cpu, cpu)


def interleaved(rows: list[Row], lines: list[str], runs: int) -> None:
    """A warm-up of every row, then ``runs`` rounds; each round times every row once, starting one row
    further along each time, so that a busy spell of the machine falls on every row alike."""
    for row in rows:
        encoder_of(row.tagger.pipeline).encode(lines[:64], batch_size=ENCODE_BATCH)
        list(row.tagger.tag(TagInput(text) for text in lines))
    for round_ in range(runs):
        for row in rows[round_ % len(rows) :] + rows[: round_ % len(rows)]:
            run_once(row, lines)


def throughput(args: argparse.Namespace, lines: list[str]) -> None:
    variants: list[tuple[str, str | None, Precision]] = [
        ("sentence-transformers fp32", str(bundled_model_dir()), "fp32"),
        ("onnx fp32", None, "fp32"),
        ("onnx int8", None, "int8"),
    ]
    import onnxruntime  # type: ignore[import-untyped]  # no stubs
    import torch

    if args.threads > 0:
        torch.set_num_threads(
            args.threads
        )  # as the encoders will: the header states what the run used
    rows = [
        Row(
            name, Tagger(model=model, threads=args.threads, batch_size=args.batch_size, precision=p)
        )
        for name, model, p in variants
    ]
    before = os.getloadavg()
    interleaved(rows, lines, args.runs)
    after = os.getloadavg()
    print(
        f"lines={len(lines)} runs={args.runs} (interleaved, minimum of) encode_batch={ENCODE_BATCH} "
        f"tagger_window={args.batch_size} threads={args.threads or 'default'} "
        f"(torch {torch.get_num_threads()}, cores {os.cpu_count()}) "
        f"onnxruntime={onnxruntime.__version__} device=cpu "
        f"load average {before[0]:.1f} before, {after[0]:.1f} after"
    )
    print_rows(rows, len(lines))


def print_rows(rows: list[Row], count: int) -> None:
    """Lines per second of wall time and per second of CPU time, side by side for each figure."""
    print(
        f"{'':28s} {'bare encoder/s':>15s} {'tagger/s':>15s} {'tagger/encoder':>15s} "
        f"{'tagger speed-up':>15s}"
    )
    print(f"{'encoder':28s}" + f" {'wall':>7s} {'CPU':>7s}" * 4)
    first = rows[0]
    for row in rows:
        figures = (
            count / row.encode_wall,
            count / row.encode_cpu,
            count / row.tag_wall,
            count / row.tag_cpu,
            row.encode_wall / row.tag_wall,
            row.encode_cpu / row.tag_cpu,
        )
        speed_up = (first.tag_wall / row.tag_wall, first.tag_cpu / row.tag_cpu)
        print(
            f"{row.name:28s}"
            + "".join(f" {figure:7.1f}" for figure in figures[:4])
            + "".join(f" {figure:7.3f}" for figure in figures[4:])
            + "".join(f" {figure:6.2f}x" for figure in speed_up)
        )


def startup_s(tree: Path, runs: int, env: dict[str, str]) -> tuple[float, float]:
    """Best wall time and best CPU time (user + system) of ``callintel tag`` on one line, run from ``tree`` in a
    new interpreter each time. CPU time says less about other jobs on a shared machine than wall time does."""
    command = [sys.executable, "-c", "from api.cli import main; main()", "tag"]
    full_env = {**os.environ, "PYTHONPATH": str(tree), **env}
    walls, cpus = [], []
    for _ in range(runs):
        used = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run(
            command,
            input=ONE_LINE,
            text=True,
            cwd=tree,
            env=full_env,
            stdout=subprocess.DEVNULL,
            check=True,
        )
        walls.append(time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime - used.ru_utime + after.ru_stime - used.ru_stime)
    return min(walls), min(cpus)


def startup(args: argparse.Namespace) -> None:
    print(
        f"`callintel tag` start-up, one line in, best of {args.startup_runs} (new interpreter each):"
    )
    figures = []
    for ref in args.baseline_ref or [BASELINE_REF, PLAIN_TORCH_REF]:
        with tempfile.TemporaryDirectory() as scratch:
            tree = Path(scratch)
            archive = subprocess.run(
                ["git", "archive", "--format=tar", ref], cwd=ROOT, capture_output=True, check=True
            ).stdout
            (tree / "tree.tar").write_bytes(archive)
            with tarfile.open(tree / "tree.tar") as tar:
                tar.extractall(tree, filter="data")
            figures.append((f"tree {ref}", startup_s(tree, args.startup_runs, {})))
    for precision in ("fp32", "int8"):
        env = {"CALLINTEL_ENCODER_PRECISION": precision}
        figures.append((f"now, onnx {precision}", startup_s(ROOT, args.startup_runs, env)))
    for name, (wall, cpu) in figures:
        print(f"  {name:24s} {wall:6.2f} s wall  {cpu:6.2f} s CPU")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--lines", type=int, default=2_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--threads", type=int, default=0, help="torch threads (0: library default)")
    parser.add_argument(
        "--batch-size", type=int, default=512, help="tagger window (CALLINTEL_TAG_BATCH_SIZE)"
    )
    parser.add_argument("--startup-runs", type=int, default=3)
    parser.add_argument(
        "--baseline-ref",
        action="append",
        help=f"git commit(s) to time start-up from as well (default: {BASELINE_REF} and {PLAIN_TORCH_REF})",
    )
    parser.add_argument("--no-startup", action="store_true", help="throughput only")
    args = parser.parse_args()
    throughput(args, make_lines(args.lines))
    if not args.no_startup:
        startup(args)


if __name__ == "__main__":
    main()
