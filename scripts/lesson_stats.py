"""What a learner reads in each notebook (`make lesson-stats`): words, code on screen, CI scaffolding.

    python scripts/lesson_stats.py [notebooks/NN_slug.ipynb ...]

A cell counts as seen unless JupyterLab shows it collapsed (`metadata.jupyter.source_hidden`) or the
book leaves its source out (tag `remove-cell` or `remove-input`; `hide-input`, the book's toggle, still shows
it). For each
notebook it prints:

- words: the words of the markdown cells a learner sees;
- code lines: the non-blank lines of the code cells a learner sees;
- scaffolding: of those, the lines that are there for CI: lines that start with `assert`, an NBVAL
  marker, `record(`, `save_figure(` or `show_times(`;
- import names: the most names one cell imports (`from x import a, b` counts two);
- diagrams: cells that draw a net (`draw_net(`);
- predict: markdown cells that ask the reader to predict before running (a line starting `**Predict`).
"""

from __future__ import annotations

import argparse
import ast
import json
import re
from dataclasses import astuple, dataclass, fields
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCAFFOLDING = re.compile(r"\s*(assert\b|#\s*NBVAL|record\(|save_figure\(|show_times\()")
PREDICT = re.compile(r"^\s*(>\s*)?\*\*Predict", re.M)


@dataclass
class Stats:
    words: int
    cells: int
    code_lines: int
    scaffolding: int
    import_names: int
    diagrams: int
    predict: int

    @property
    def share(self) -> float:
        return 100.0 * self.scaffolding / max(self.code_lines, 1)


def seen(cell: dict) -> bool:
    """Whether a learner sees the cell's source in JupyterLab and in the book."""
    meta = cell.get("metadata", {})
    tags = set(meta.get("tags", []))
    return not (meta.get("jupyter", {}).get("source_hidden") or tags & {"remove-cell", "remove-input"})


def imported_names(source: str) -> int:
    """How many names the import statements of a cell bring in (0 when it does not parse)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return 0
    return sum(len(node.names) for node in ast.walk(tree) if isinstance(node, (ast.Import, ast.ImportFrom)))


def stats(path: Path) -> Stats:
    cells = json.loads(path.read_text())["cells"]
    text = lambda cell: "".join(cell["source"])  # noqa: E731
    shown = [c for c in cells if seen(c)]
    code = [line for c in shown if c["cell_type"] == "code" for line in text(c).splitlines() if line.strip()]
    return Stats(
        words=sum(len(text(c).split()) for c in shown if c["cell_type"] == "markdown"),
        cells=len(cells),
        code_lines=len(code),
        scaffolding=sum(bool(SCAFFOLDING.match(line)) for line in code),
        import_names=max((imported_names(text(c)) for c in cells if c["cell_type"] == "code"), default=0),
        diagrams=sum("draw_net(" in text(c) for c in cells if c["cell_type"] == "code"),
        predict=sum(bool(PREDICT.search(text(c))) for c in cells if c["cell_type"] == "markdown"),
    )


def table(paths: list[Path]) -> str:
    names = [f.name for f in fields(Stats)]
    rows = [(p.stem[:2], *astuple(s), f"{s.share:.1f}%") for p in paths for s in [stats(p)]]
    total = [sum(r[i] for r in rows) for i in range(1, len(names) + 1)]
    total[names.index("import_names")] = max(r[1 + names.index("import_names")] for r in rows)
    share = 100.0 * total[names.index("scaffolding")] / max(total[names.index("code_lines")], 1)
    rows.append(("all", *total, f"{share:.1f}%"))
    head = ["notebook", *[n.replace("_", " ") for n in names], "scaffolding share"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(f"{v:,}" if isinstance(v, int) else v for v in row) + " |" for row in rows]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path)
    args = parser.parse_args()
    print(table(args.notebooks or sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))))


if __name__ == "__main__":
    main()
