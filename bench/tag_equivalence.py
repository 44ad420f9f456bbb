"""Same outputs before and after a speed change: the tagger of a git commit against this tree's, on every line.

    python bench/tag_equivalence.py [--ref main] [--precision fp32] [--tolerance 1e-6] [--prefixed 1]

The lines: every labelled line of the dataset (train, dev, test, the external sentiment parts), each
with its speaker, and ``--prefixed`` more copies of them with the prefixes bench/tag_speed.py adds
("Okay, so ...", "Right. ...": a fragment joined to the next sentence). Each tree tags them in a new
interpreter (``--ref`` extracted with ``git archive``), through the public ``Tagger``: the tags (label,
entity, start, end, evidence and rounded score), the sentiment, and the unrounded per-utterance intent
scores, best units and sentiment score. Spans, labels, units and rounded figures must be equal; the
unrounded ones within ``--tolerance``. Exits 1, naming the first differences, when they are not.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from spacy.tokens import Doc

ROOT = Path(__file__).resolve().parents[1]
PREFIXES = ("Okay, so ", "Right. ", "Well, ", "To be honest, ", "Also, ", "One more thing: ")


def labelled_lines(prefixed: int) -> list[tuple[str, str]]:
    """(text, role) of every labelled line, then ``prefixed`` prefixed copies of them."""
    from nlp.dataset import EXTERNAL_PARTS, SPLITS, load_external, load_split

    examples = [e for name in SPLITS for e in load_split(name)]
    examples += [e for part in EXTERNAL_PARTS for e in load_external(part)]
    base: list[tuple[str, str]] = [(e.text, e.speaker) for e in examples]
    copies = [
        (PREFIXES[(i + round_) % len(PREFIXES)] + text, role)
        for round_ in range(prefixed)
        for i, (text, role) in enumerate(base)
    ]
    return base + copies


def dump(lines_file: Path, out: Path, precision: str) -> None:
    """Tag the lines with the tagger importable here (the tree on PYTHONPATH) and write its outputs."""
    from nlp.tagger import Tagger, TagInput

    lines = json.loads(lines_file.read_text("utf-8"))
    tagger = Tagger(precision=precision)  # type: ignore[arg-type]  # fp32 or int8, checked by argparse
    inputs = [TagInput(text, role) for text, role in lines]
    docs: list[Doc] = []
    pipe = tagger.docs

    def kept(
        items: Iterable[TagInput],
    ) -> Iterator[Doc]:  # the docs tag() reads, kept for their raw scores
        for doc in pipe(items):
            docs.append(doc)
            yield doc

    tagger.docs = kept  # type: ignore[method-assign,assignment]  # one tagging pass gives both
    rows: list[dict] = []
    for tagged in tagger.tag(inputs):
        doc = docs[len(rows)]
        rows.append(
            {
                "tags": [
                    [t.label, t.entity, t.start, t.end, t.evidence, t.score] for t in tagged.tags
                ],
                "sentiment": [tagged.sentiment.label, tagged.sentiment.score],
                "units": [(u.start_char, u.end_char) for u in doc._.units],
                "intent_units": doc._.intent_units,
                "intent_scores": doc._.intent_scores,
                "utterance_sentiment": list(doc._.sentiment),
            }
        )
    out.write_text(json.dumps(rows), "utf-8")


def run_tree(tree: Path, lines_file: Path, out: Path, precision: str) -> list[dict]:
    env = {**os.environ, "PYTHONPATH": str(tree), "HF_HUB_OFFLINE": "1"}
    command = [sys.executable, str(Path(__file__).resolve()), "--dump", str(out)]
    command += ["--lines-file", str(lines_file), "--precision", precision, "--tree", str(tree)]
    subprocess.run(command, cwd=tree, env=env, check=True)
    return list(json.loads(out.read_text("utf-8")))


def differences(old: dict, new: dict, tolerance: float) -> list[str]:
    """What differs between two lines' outputs: exact fields by equality, unrounded scores by ``tolerance``."""
    found = [
        f"{key}: {old[key]} != {new[key]}"
        for key in ("tags", "sentiment", "units", "intent_units")
        if json.dumps(old[key]) != json.dumps(new[key])
    ]
    if old["utterance_sentiment"][0] != new["utterance_sentiment"][0]:
        found.append(
            f"sentiment label {old['utterance_sentiment']} != {new['utterance_sentiment']}"
        )
    pairs = [(old["utterance_sentiment"][1], new["utterance_sentiment"][1], "sentiment score")]
    pairs += [(old["intent_scores"][k], new["intent_scores"][k], k) for k in old["intent_scores"]]
    found += [f"{name}: {a} vs {b}" for a, b, name in pairs if abs(a - b) > tolerance]
    return found


def compare(
    lines: list[tuple[str, str]], old: list[dict], new: list[dict], tolerance: float
) -> int:
    bad = [(line, differences(a, b, tolerance)) for line, a, b in zip(lines, old, new, strict=True)]
    bad = [(line, found) for line, found in bad if found]
    worst = max(
        abs(a["intent_scores"][k] - b["intent_scores"][k])
        for a, b in zip(old, new, strict=True)
        for k in a["intent_scores"]
    )
    tags = sum(len(row["tags"]) for row in new)
    print(
        f"{len(lines)} lines, {tags} tags: {len(bad)} lines differ "
        f"(largest unrounded intent score difference {worst:.2e}, tolerance {tolerance:g})"
    )
    for (text, role), found in bad[:10]:
        print(f"  {role}: {text[:80]!r}: {'; '.join(found)[:300]}")
    return 1 if bad else 0


def extract(ref: str, dest: Path) -> Path:
    archive = subprocess.run(
        ["git", "archive", "--format=tar", ref], cwd=ROOT, capture_output=True, check=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(dest)], input=archive, check=True)
    return dest


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--ref", default="main", help="the commit whose tagger is the reference")
    parser.add_argument("--precision", choices=("fp32", "int8"), default="fp32")
    parser.add_argument("--tolerance", type=float, default=1e-6)
    parser.add_argument("--prefixed", type=int, default=0, help="prefixed copies of every line")
    parser.add_argument(
        "--reference",
        type=Path,
        help="a file keeping --ref's outputs: read when it exists (same --ref, --precision and --prefixed), "
        "else written",
    )
    parser.add_argument("--dump", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--lines-file", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--tree", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.dump:
        sys.path.insert(0, str(args.tree))
        dump(args.lines_file, args.dump, args.precision)
        return
    sys.path.insert(0, str(ROOT))
    lines = labelled_lines(args.prefixed)
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        lines_file = folder / "lines.json"
        lines_file.write_text(json.dumps(lines), "utf-8")
        if args.reference and args.reference.is_file():
            old = json.loads(args.reference.read_text("utf-8"))
        else:
            (folder / "old").mkdir()
            old_tree = extract(args.ref, (folder / "old").resolve())
            old = run_tree(
                old_tree, lines_file, args.reference or folder / "old.json", args.precision
            )
        new = run_tree(ROOT, lines_file, folder / "new.json", args.precision)
    print(f"--ref {args.ref} against this tree, {args.precision}:")
    sys.exit(compare(lines, old, new, args.tolerance))


if __name__ == "__main__":
    main()
