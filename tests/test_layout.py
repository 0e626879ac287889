"""The house rules of the layout, checked on the source: imports point down, the top level of
harness/ stays small, and ruff finds nothing."""

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT

# Packages only their own command uses. Everything else in harness/ is a library.
COMMAND_PACKAGES = ("harness.train", "harness.evaluate")
MAX_TOP_LEVEL_ENTRIES = 13


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(path: Path, root: Path) -> list[tuple[str, ...]]:
    """Each import statement of a file, at its top or inside a function, as the modules it may
    load: `from a.b import c` may load a.b or a.b.c. Relative imports are resolved."""
    name = module_name(path, root)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    statements = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            statements += [(alias.name,) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            statements.append((base, *(f"{base}.{alias.name}" for alias in node.names)))
    return statements


def _inside(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def _why(importer: str, imported: str) -> str | None:
    if _inside(importer, "zoo") and _inside(imported, "harness"):
        return "zoo/ imports nothing from harness/"
    own = next((package for package in COMMAND_PACKAGES if _inside(importer, package)), None)
    for command in COMMAND_PACKAGES:
        if _inside(importer, "harness") and _inside(imported, command) and own != command:
            return f"{own + '/' if own else 'a library module'} never imports {command}"
    return None


def import_violations(root: Path) -> list[str]:
    """One line per import statement that breaks the direction rule: "importer -> module: why"."""
    problems = []
    for path in sorted([*root.glob("harness/**/*.py"), *root.glob("zoo/**/*.py")]):
        importer = module_name(path, root)
        for candidates in imported_modules(path, root):
            for imported in candidates:
                why = _why(importer, imported)
                if why:
                    problems.append(f"{importer} -> {imported}: {why}")
                    break
    return problems


def test_imports_point_down():
    assert import_violations(REPO_ROOT) == []


@pytest.mark.parametrize(
    "module, line",
    [
        ("harness/checkpoints/export.py", "from harness.train.finish import finish_run"),
        ("harness/data/transform.py", "    from harness.evaluate import args"),
        ("harness/evaluate/args.py", "from harness.train.args import build_parser"),
        ("harness/runs.py", "import harness.train.prepare"),
        ("zoo/heads.py", "from harness.errors import UsageError"),
    ],
)
def test_a_planted_bad_import_is_caught(tmp_path, module, line):
    for folder in ("harness", "zoo"):
        shutil.copytree(
            REPO_ROOT / folder, tmp_path / folder, ignore=shutil.ignore_patterns("*.pyc")
        )
    planted = tmp_path / module
    planted.write_text(planted.read_text() + f"\n\ndef planted():\n    {line.strip()}\n")
    problems = import_violations(tmp_path)
    assert len(problems) == 1 and problems[0].startswith(module_name(planted, tmp_path) + " -> ")


def test_relative_imports_are_resolved(tmp_path):
    package = tmp_path / "harness" / "data"
    package.mkdir(parents=True)
    (package / "loader.py").write_text("from ..train import fit\nfrom . import splits\n")
    assert imported_modules(package / "loader.py", tmp_path) == [
        ("harness.train", "harness.train.fit"),
        ("harness.data", "harness.data.splits"),
    ]
    assert import_violations(tmp_path) == [
        "harness.data.loader -> harness.train: a library module never imports harness.train"
    ]


def test_harness_top_level_stays_small():
    entries = [p.name for p in (REPO_ROOT / "harness").iterdir() if p.name != "__pycache__"]
    assert len(entries) <= MAX_TOP_LEVEL_ENTRIES, sorted(entries)


def test_every_model_layout_is_one_the_data_sets_produce():
    from harness.data.registry import DATASETS
    from zoo.registry import LAYOUTS

    assert set(LAYOUTS) == {layout for entry in DATASETS.values() for layout in entry.layouts}


@pytest.mark.parametrize("command", [["check"], ["format", "--check"]])
def test_ruff_is_clean(command):
    result = subprocess.run(
        [sys.executable, "-m", "ruff", *command, "."],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
