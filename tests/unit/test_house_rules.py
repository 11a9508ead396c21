"""House rules that keep the code easy to live in (STYLE.md 1, 2, 3 and 6)."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def _imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module.split(".")[0])
    return names


def test_grading_imports_without_streamlit():
    code = (
        "import sys, importlib, pkgutil, grading\n"
        "for info in pkgutil.walk_packages(grading.__path__, 'grading.'):\n"
        "    if info.name != 'grading.__main__':\n"
        "        importlib.import_module(info.name)\n"
        "assert 'streamlit' not in sys.modules, 'grading pulled in streamlit'\n"
        "print('ok')\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


def test_only_the_store_imports_duckdb():
    importers = {
        path.relative_to(REPO).as_posix()
        for folder in ("grading", "pages", "ui")
        for path in (REPO / folder).rglob("*.py")
        if "duckdb" in _imported_modules(path)
    }
    importers |= {"app.py"} if "duckdb" in _imported_modules(REPO / "app.py") else set()
    assert importers == {"grading/db/store.py"}


def test_pages_hold_no_sql():
    sql = re.compile(r"\b(SELECT\s+.+\s+FROM|INSERT\s+INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM|CREATE\s+TABLE)\b", re.I)
    offenders = [
        path.name for path in [REPO / "app.py", *(REPO / "pages").glob("*.py"), *(REPO / "ui").glob("*.py")]
        if sql.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []


def test_every_page_file_is_registered_in_app_py():
    app_source = (REPO / "app.py").read_text(encoding="utf-8")
    registered = set(re.findall(r'st\.Page\(\s*"(pages/[^"]+\.py)"', app_source))
    on_disk = {f"pages/{path.name}" for path in (REPO / "pages").glob("*.py")}
    assert on_disk, "pages/ is empty"
    assert on_disk == registered


def test_every_property_test_takes_its_example_count_from_the_profile():
    # A bare number would run in full on every local run, or weaken CI; examples(N) runs N in CI, fewer locally.
    bare = [
        f"{path.relative_to(REPO).as_posix()}: {match.group(0)}"
        for path in sorted((REPO / "tests").rglob("*.py"))
        for match in re.finditer(r"max_examples\s*=\s*(?!examples\()[^,)\n]+", path.read_text(encoding="utf-8"))
    ]
    assert bare == []
    assert "max_examples=examples(" in (REPO / "tests" / "unit" / "test_import_express.py").read_text(encoding="utf-8")
