"""Write the README's results table from results/*.json (`make results`; `--check` only compares).

The table sits between the markers <!-- results:start --> and <!-- results:end --> in README.md:
one row a figure, with the paper's value, this course on the default data and on full MNIST.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
START, END = "<!-- results:start -->", "<!-- results:end -->"

# Figures shown on the front page, in teaching order: key -> (label, source of the paper's value)
SHOWN = {
    "proto_net1_test_accuracy": ("01 Net-1 (one FC layer), test accuracy", "LeCun 1989, via ESL Table 11.1"),
    "proto_net5_test_accuracy": ("01 Net-5 (two levels of shared weights), test accuracy", "LeCun 1989, via ESL Table 11.1"),
    "zipcode_1989_test_error": ("02 Zip-code net, 1989 recipe, test error", "LeCun et al. 1989"),
    "zipcode_modern_test_error": ("02 Zip-code net, modern recipe, test error", "karpathy/lecun1989-repro"),
    "lenet5_test_accuracy": ("04 The lecture's LeNet5 listing (20/50/500), test accuracy", "no paper figure (not the 1998 net)"),
    "lenet5_1998_test_error": ("04 LeNet-5 as published in 1998, test error",
                               "LeCun et al. 1998, sec. III.B: no distortions; 0.8% with"),
    "consistency_plain": ("05 Shift consistency, plain pooling", "Zhang 2019, ImageNet (antialiased-cnns repository)"),
    "consistency_antialiased": ("05 Shift consistency, anti-aliased pooling", "Zhang 2019, ImageNet (antialiased-cnns repository)"),
    "reader_digit_accuracy": ("06 Digit-string reader, digits read right", "no paper figure; checked at 94% or more"),
    "reader_string_accuracy": ("06 Digit-string reader, strings read exactly", "no paper figure; checked at 75% or more"),
    "fc_test_accuracy": ("08 FC net, test accuracy", "NYU-DLSP20 notes"),
    "cnn_test_accuracy": ("08 ConvNet, test accuracy", "NYU-DLSP20 notes"),
    "fc_permuted_test_accuracy": ("08 FC net, permuted pixels", "NYU-DLSP20 notes"),
    "cnn_permuted_test_accuracy": ("08 ConvNet, permuted pixels", "NYU-DLSP20 notes"),
}


def load(path: Path) -> dict:
    if not path.exists():
        return {}
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as err:
        raise SystemExit(f"{path} is not valid JSON ({err.msg}); delete it and run `make execute` to record it again.")


def fmt(entry: dict | None) -> str:
    if not entry:
        return "not run"
    unit = entry.get("unit", "")
    return f"{entry['value']:.2f}{unit if unit == '%' else ' ' + unit if unit else ''}"


def table(embedded: dict, mnist: dict) -> str:
    lines = ["| figure | paper | source of the paper's value | this course (5,000 embedded digits) | this course (full MNIST) |",
             "|---|---|---|---|---|"]
    for key, (label, source) in SHOWN.items():
        if key not in embedded and key not in mnist:
            continue
        e, m = embedded.get(key), mnist.get(key)
        ref = (e or m).get("paper")
        unit = (e or m).get("unit", "")
        paper = "" if ref is None else (f"{ref}{unit}" if isinstance(ref, (int, float)) else str(ref))
        lines.append(f"| {label} | {paper} | {source} | {fmt(e)} | {fmt(m)} |")
    return "\n".join(lines)


def current_table(root: Path = ROOT) -> str:
    """The table as results/embedded.json and results/mnist.json give it now."""
    return table(load(root / "results" / "embedded.json"), load(root / "results" / "mnist.json"))


def readme_table(text: str) -> str | None:
    """The table between the markers in README text, or None if the markers are missing."""
    if START not in text or END not in text:
        return None
    return text.split(START, 1)[1].split(END, 1)[0].strip("\n")


def main(argv: list[str] | None = None) -> int:
    check = "--check" in (sys.argv[1:] if argv is None else argv)
    readme = ROOT / "README.md"
    text = readme.read_text(encoding="utf-8")
    shown = readme_table(text)
    if shown is None:
        print(f"README.md has no {START} ... {END} markers; add them where the table should go.", file=sys.stderr)
        return 2
    body = current_table()
    if check:
        if shown != body:
            print("README.md's results table is out of date with results/*.json: run `make results`.", file=sys.stderr)
            return 1
        print("README.md results table is current")
        return 0
    head, rest = text.split(START, 1)
    _, tail = rest.split(END, 1)
    readme.write_text(f"{head}{START}\n{body}\n{END}{tail}", encoding="utf-8")
    print("README.md results table updated")
    return 0


if __name__ == "__main__":
    sys.exit(main())
