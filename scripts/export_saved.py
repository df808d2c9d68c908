"""Write each notebook's `#@save` cells into helpers/<slug>.py (`make export`), d2l's convention.

A code cell whose first line is `#@save` holds course code that a later notebook, a helper or a
self-check reuses: a net, a layer, a decoder. It is written once, in the notebook that teaches it;
this script copies the saved cells of notebooks/NN_slug.ipynb, in order, into helpers/slug.py, each
under a comment naming its notebook and cell, after the import lines of the notebook that the saved
code uses. That file is generated: edit the notebook, then run `make export` (and `make execute` for
the outputs). `--check` writes nothing and exits 1, naming the files, when helpers/ differs from what
the notebooks give; tests/test_export_saved.py runs it, so a notebook and its export never drift.

A saved cell holds definitions only (imports, functions, classes, constants), so that importing the
module runs no lesson; anything else in it stops the export with the cell's number and what to move.
"""

from __future__ import annotations

import argparse
import ast
import builtins
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
MARK = "#@save"
ALLOWED = (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.ClassDef, ast.Assign, ast.AnnAssign)


class ExportError(Exception):
    """A saved cell that cannot be exported; the message says which and why."""


def saved_cells(nb) -> list[tuple[int, str]]:
    """(cell number counting every cell from 0, code without the mark) of each saved cell."""
    out = []
    for i, cell in enumerate(nb.cells):
        lines = cell.source.splitlines()
        if cell.cell_type == "code" and lines and lines[0].strip() == MARK:
            out.append((i, "\n".join(lines[1:]).strip("\n")))
    return out


def _bound(alias: ast.alias, node: ast.Import | ast.ImportFrom) -> str:
    if isinstance(node, ast.Import) and alias.asname is None:
        return alias.name.split(".")[0]
    return alias.asname or alias.name


def _alias_text(alias: ast.alias) -> str:
    return alias.name + (f" as {alias.asname}" if alias.asname else "")


def _from_line(module: str, names: list[str], width: int = 120) -> str:
    """`from module import a, b`, sorted as isort does, wrapped in parentheses past `width` characters."""
    names = sorted(names, key=lambda n: (not n.split()[0].isupper(), not n[:1].isupper(), n))
    line = f"from {module} import {', '.join(names)}"
    if len(line) <= width:
        return line
    out, current = [], f"from {module} import ("
    indent = " " * len(current)
    for i, name in enumerate(names):
        piece = name + ("," if i < len(names) - 1 else ")")
        if len(current) + len(piece) + 1 > width and current.strip() not in ("", f"from {module} import ("):
            out.append(current.rstrip())
            current = indent
        current += piece + " "
    out.append(current.rstrip())
    return "\n".join(out)


def _notebook_imports(nb, skip: set[int]) -> list[tuple[ast.Import | ast.ImportFrom, ast.alias]]:
    """Every top-level import of the notebook's code cells outside the saved ones, in order."""
    found = []
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code" or i in skip:
            continue
        code = "\n".join(line for line in cell.source.splitlines() if not line.lstrip().startswith(("!", "%")))
        try:
            tree = ast.parse(code)
        except SyntaxError:
            continue  # a cell that shows a syntax error on purpose imports nothing
        for node in tree.body:
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                found += [(node, alias) for alias in node.names]
    return found


def _names(tree: ast.AST) -> tuple[set[str], set[str]]:
    """(names read anywhere, names bound anywhere) in a module: a name read but bound nowhere is free."""
    read, bound = set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            (read if isinstance(node.ctx, ast.Load) else bound).add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            bound.add(node.name)
        elif isinstance(node, ast.arg):
            bound.add(node.arg)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            bound.update(_bound(a, node) for a in node.names)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            bound.add(node.name)
    return read, bound


def _import_groups(lines: list[str]) -> list[list[str]]:
    """The import lines as isort groups them: the standard library, other packages, then the course's helpers."""
    def top(line: str) -> str:
        return line.split()[1].split(".")[0]

    def ordered(group: list[str]) -> list[str]:
        return sorted(group, key=lambda line: (line.startswith("from "), line.split()[1], line))

    std = [l for l in lines if top(l) in sys.stdlib_module_names]
    ours = [l for l in lines if top(l) == "helpers"]
    rest = [l for l in lines if l not in std and l not in ours]
    return [ordered(std), ordered(rest), ordered(ours)]


def export(notebook: Path) -> str | None:
    """The text of helpers/<slug>.py for a notebook, or None when it has no saved cell."""
    nb = nbformat.read(notebook, as_version=4)
    cells = saved_cells(nb)
    if not cells:
        return None
    rel = notebook.relative_to(ROOT).as_posix() if notebook.is_relative_to(ROOT) else notebook.name
    blocks, defined = [], []
    for i, code in cells:
        try:
            tree = ast.parse(code)
        except SyntaxError as err:
            raise ExportError(f"{rel}, cell {i}: a #@save cell must be valid Python ({err.msg}, line {err.lineno}).") from None
        for node in tree.body:
            if not isinstance(node, ALLOWED):
                raise ExportError(f"{rel}, cell {i}: a #@save cell holds definitions only; move line {node.lineno} "
                                  f"({ast.get_source_segment(code, node).splitlines()[0]}) to a cell of its own.")
            if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
                defined.append(node.name)
            elif isinstance(node, ast.Assign):
                defined += [t.id for t in node.targets if isinstance(t, ast.Name)]
        blocks.append(f"# {rel}, cell {i}\n{code}\n")
    body = "\n\n".join(blocks)
    read, bound = _names(ast.parse(body))
    wanted = read - bound
    plain: list[str] = []
    froms: dict[str, list[str]] = {}
    for node, alias in _notebook_imports(nb, {i for i, _ in cells}):
        name = _bound(alias, node)
        if name in wanted:
            if isinstance(node, ast.Import):
                plain.append(f"import {_alias_text(alias)}")
            else:
                froms.setdefault("." * node.level + (node.module or ""), []).append(_alias_text(alias))
            wanted.discard(name)
    lines = plain + [_from_line(module, names) for module, names in froms.items()]
    missing = sorted(wanted - set(dir(builtins)))
    if missing:
        raise ExportError(f"{rel}: the #@save cells use {', '.join(missing)}, which no import of the notebook and no "
                          f"saved cell defines; mark the cell that defines it #@save too.")
    public = [name for name in defined if not name.startswith("_")]
    head = (f'"""The cells of {rel} marked #@save, for the notebooks, helpers and checks that reuse them.\n\n'
            f"Generated by scripts/export_saved.py (`make export`): edit the notebook, not this file.\n"
            f'"""\n\n')
    imports = "\n\n".join("\n".join(group) for group in _import_groups(lines) if group)
    exports = "__all__ = [" + ", ".join(f'"{n}"' for n in public) + "]"
    return f"{head}{imports}\n\n{exports}\n\n\n{body}"


def target(notebook: Path) -> Path:
    """helpers/<slug>.py for notebooks/NN_slug.ipynb."""
    return ROOT / "helpers" / f"{notebook.stem.split('_', 1)[1]}.py"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 if a generated file differs from its notebook")
    parser.add_argument("notebooks", nargs="*", type=Path, help="default: every notebooks/NN_*.ipynb")
    args = parser.parse_args(argv)
    notebooks = [p.resolve() for p in args.notebooks] or sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    stale = []
    for notebook in notebooks:
        try:
            text = export(notebook)
        except ExportError as err:
            print(err, file=sys.stderr)
            return 2
        if text is None:
            continue
        path = target(notebook)
        old = path.read_text(encoding="utf-8") if path.exists() else None
        if old == text:
            continue
        if args.check:
            stale.append(path.relative_to(ROOT).as_posix())
        else:
            path.write_text(text, encoding="utf-8")
            print(f"wrote {path.relative_to(ROOT)}")
    if stale:
        print(f"{', '.join(stale)} differ from their notebooks' #@save cells; run `make export`.", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
