"""Tagging throughput: utterances per second of the tagger vs the bare MiniLM encoder, same lines, same process.

    python bench/tag_speed.py [--lines 10000] [--runs 3] [--threads 0] [--batch-size 64] [--cli]

Both figures are the best (minimum time) of ``--runs`` runs after a warm-up. The
ratio tagger/encoder says what tagging costs beyond encoding (1.0 = nothing). The
bare encoder embeds each line whole; the tagger's figure includes everything it does:
the sentence splitting, one embedding per sentence unit, the rules and the heads.
``--cli`` also times the real ``callintel tag`` command on the same lines, start-up included.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from nlp.components import encoder_of  # noqa: E402
from nlp.dataset import SPLITS, load_split  # noqa: E402
from nlp.tagger import Tagger, TagInput  # noqa: E402

ENCODE_BATCH = 64  # the encoder's own batch, the same for both figures


def make_lines(count: int) -> list[str]:
    """``count`` utterances: the labelled dataset, cycled, every repeat with a different prefix."""
    base = [e.text for name in SPLITS for e in load_split(name)]
    fillers = ("", "Okay, so ", "Right. ", "Well, ", "To be honest, ", "Also, ", "One more thing: ")
    return [fillers[(i // len(base)) % len(fillers)] + base[i % len(base)] for i in range(count)]


def best_of(runs: int, work) -> float:
    work()  # warm-up
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--lines", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--threads", type=int, default=0, help="torch threads (0: library default)")
    parser.add_argument(
        "--batch-size", type=int, default=512, help="tagger window (CALLINTEL_TAG_BATCH_SIZE)"
    )
    parser.add_argument("--cli", action="store_true", help="also time `callintel tag` end to end")
    args = parser.parse_args()
    lines = make_lines(args.lines)
    tagger = Tagger(threads=args.threads, batch_size=args.batch_size)
    encoder = encoder_of(tagger.pipeline)
    import torch

    encode_s = best_of(args.runs, lambda: encoder.encode(lines, batch_size=ENCODE_BATCH))
    tag_s = best_of(args.runs, lambda: list(tagger.tag(TagInput(text) for text in lines)))
    print(
        f"lines={len(lines)} runs={args.runs} (best of) encode_batch={ENCODE_BATCH} tagger_window={args.batch_size} "
        f"torch_threads={torch.get_num_threads()} "
        f"encoder={encoder.name} device=cpu dtype=float32"
    )
    print(f"bare encoder      {len(lines) / encode_s:8.1f} utterances/s  ({encode_s:.2f} s)")
    print(f"callintel tagger  {len(lines) / tag_s:8.1f} utterances/s  ({tag_s:.2f} s)")
    print(f"ratio tagger/encoder {encode_s / tag_s:.3f}")
    if args.cli:
        payload = "\n".join(lines) + "\n"
        cli = Path(sys.executable).with_name("callintel")
        start = time.perf_counter()
        subprocess.run(
            [str(cli), "tag", "--batch-size", str(args.batch_size)],
            input=payload,
            text=True,
            stdout=subprocess.DEVNULL,
            check=True,
        )
        wall = time.perf_counter() - start
        print(
            f"`callintel tag`   {len(lines) / wall:8.1f} utterances/s  ({wall:.2f} s wall, start-up included, one run)"
        )


if __name__ == "__main__":
    main()
