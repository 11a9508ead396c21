"""One home per word and per layer: the vocabulary is defined once, and the layers import only downwards.

The import checks read the source (every ``import``, also inside functions, and through the modules imported in
turn), so a lazy import inside a function counts as well.
"""

from __future__ import annotations

import ast
import re
from functools import cache
from pathlib import Path

import pandas as pd
import pytest

REPO = Path(__file__).resolve().parents[2]
VOCABULARY = REPO / "grading" / "vocabulary.py"
#: The names only grading/vocabulary.py may define.
VOCABULARY_NAMES = (
    "GRADES", "UNGRADED", "UNGRADED_LABEL", "GRADE_ORDER", "GRADE_SOURCES", "GRADE_SOURCE_LABELS", "GRADE_COLUMNS",
    "FLAGS", "FLAG_COLUMNS", "SERVICE_MODELS", "SERVICE_MODEL_WORDS", "CALLER_IDS", "CALLER_ID_ANSWERS",
)
#: The functions only grading/vocabulary.py may define (anywhere, at any depth, even as a private helper).
VOCABULARY_FUNCTIONS = ("grade_labels",)
#: Literal lists of the vocabulary's values that would be a second copy.
VOCABULARY_LITERALS = (
    r'\(\s*"A",\s*"B",\s*"C",\s*"D"\s*\)',
    r'"managed",\s*"break_fix",\s*"project",\s*"hybrid"',
    r'"happy",\s*"neutral",\s*"dread"',
)


def _python_files() -> list[Path]:
    files = [REPO / "app.py"]
    for folder in ("grading", "ui", "pages", "benchmarks"):
        files.extend(sorted((REPO / folder).rglob("*.py")))
    return [path for path in files if path != VOCABULARY]


def _definitions_outside_the_vocabulary(definition: re.Pattern) -> list[str]:
    return [
        f"{path.relative_to(REPO)}: {match.group(1)}"
        for path in _python_files()
        for match in definition.finditer(path.read_text(encoding="utf-8"))
    ]


def test_the_vocabulary_is_defined_only_in_grading_vocabulary():
    definition = re.compile(rf"^\s*({'|'.join(VOCABULARY_NAMES)})\s*(:[^=\n]*)?=(?!=)", re.M)
    assert _definitions_outside_the_vocabulary(definition) == []


def test_the_vocabulary_functions_are_defined_only_in_grading_vocabulary():
    definition = re.compile(rf"^\s*(?:async\s+)?def\s+({'|'.join(VOCABULARY_FUNCTIONS)})\b", re.M)
    assert _definitions_outside_the_vocabulary(definition) == []
    assert all(re.search(rf"^def {name}\(", VOCABULARY.read_text(encoding="utf-8"), re.M)
               for name in VOCABULARY_FUNCTIONS)


def test_grade_labels_orders_the_grades_and_counts_the_rest_as_not_graded():
    from grading.vocabulary import GRADE_ORDER, UNGRADED, grade_labels

    grades = pd.Series(["B", " a ", None, "E", "d", "not graded"], index=[10, 11, 12, 13, 14, 15])
    labels = grade_labels(grades)
    assert labels.tolist() == ["B", "A", UNGRADED, UNGRADED, "D", UNGRADED]
    assert labels.index.tolist() == [10, 11, 12, 13, 14, 15]
    assert labels.cat.categories.tolist() == list(GRADE_ORDER) and labels.cat.ordered
    assert grade_labels(pd.Series([], dtype=object)).tolist() == []


def test_importing_the_vocabulary_does_not_import_pandas():
    # Every module imports the vocabulary, the CLI's start-up too; grade_labels imports pandas only when called.
    tree = ast.parse(VOCABULARY.read_text(encoding="utf-8"))
    at_import = {name for node in tree.body  # the module's own statements; "if TYPE_CHECKING:" is an ast.If
                 for name in ([alias.name for alias in node.names] if isinstance(node, ast.Import)
                              else [node.module] if isinstance(node, ast.ImportFrom) else [])}
    assert at_import == {"__future__", "typing"}
    assert "pandas" in _direct_imports("grading.vocabulary")  # the check above reads the right file


@pytest.mark.parametrize("literal", VOCABULARY_LITERALS)
def test_no_module_spells_out_the_vocabulary_again(literal):
    copies = [str(path.relative_to(REPO)) for path in _python_files()
              if re.search(literal, path.read_text(encoding="utf-8"))]
    assert copies == []


def test_the_vocabulary_defines_what_the_others_import():
    tree = ast.parse(VOCABULARY.read_text(encoding="utf-8"))
    defined = {
        node.target.id if isinstance(node, ast.AnnAssign) else node.targets[0].id
        for node in tree.body
        if isinstance(node, ast.Assign | ast.AnnAssign)
    }
    assert set(VOCABULARY_NAMES) - {"UNGRADED_LABEL"} <= defined


def _module_path(module: str) -> Path | None:
    base = REPO.joinpath(*module.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.exists():
            return candidate
    return None


def _runtime_nodes(tree: ast.AST):
    """Every node of ``tree`` except what sits under ``if TYPE_CHECKING:`` (imported for type hints only)."""
    todo = [tree]
    while todo:
        node = todo.pop()
        yield node
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and isinstance(child.test, ast.Name) and child.test.id == "TYPE_CHECKING":
                todo.extend(child.orelse)
                continue
            todo.append(child)


@cache
def _direct_imports(module: str) -> frozenset[str]:
    path = _module_path(module)
    if path is None:
        return frozenset()
    names: set[str] = set()
    for node in _runtime_nodes(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            # "from grading.db import store" imports the module grading.db.store
            names.update(f"{node.module}.{alias.name}" for alias in node.names
                         if _module_path(f"{node.module}.{alias.name}") is not None)
    return frozenset(names)


def _reachable(module: str) -> set[str]:
    seen: set[str] = set()
    todo = [module]
    while todo:
        current = todo.pop()
        for name in _direct_imports(current):
            if name.startswith("grading") and name not in seen:
                seen.add(name)
                todo.append(name)
    return seen


def _modules(package: str) -> list[str]:
    folder = REPO.joinpath(*package.split("."))
    return sorted(f"{package}.{path.stem}" for path in folder.glob("*.py") if path.stem != "__init__")


PURE = ["grading.scoring.scorecard", "grading.scoring.flags", "grading.scoring.reasons",
        *_modules("grading.simulation")]


@pytest.mark.parametrize("module", PURE)
def test_pure_scoring_and_the_simulation_never_reach_the_store(module):
    reached = _reachable(module)
    assert not {name for name in reached if name.startswith("grading.db")}, sorted(reached)


@pytest.mark.parametrize("module", _modules("grading.db"))
def test_the_database_layer_never_imports_a_view_or_a_chart(module):
    reached = _reachable(module)
    assert not {name for name in reached if name.startswith(("grading.views", "grading.charts"))}, sorted(reached)


@pytest.mark.parametrize("module", _modules("grading.charts"))
def test_the_charts_never_reach_a_view(module):
    # Charts draw what a view hands them; what a chart needs of the shared words lives below both (the vocabulary).
    reached = _reachable(module)
    assert not {name for name in reached if name.startswith("grading.views")}, sorted(reached)


#: The layers the page views are built on: none of them may reach a view (the report and the charts sit above).
BELOW_THE_VIEWS = ("grading.db", "grading.scoring", "grading.simulation", "grading.model", "grading.importer",
                   "grading.sources", "grading.review")


@pytest.mark.parametrize("package", BELOW_THE_VIEWS)
def test_nothing_below_the_views_reaches_a_view(package):
    reaching = {module: sorted(name for name in _reachable(module) if name.startswith("grading.views"))
                for module in _modules(package)}
    assert {module: views for module, views in reaching.items() if views} == {}


def test_grading_never_imports_streamlit_the_ui_or_a_page_not_even_inside_a_function():
    # The subprocess check in test_house_rules imports every module; this one also reads imports inside functions.
    modules = sorted(
        ".".join(path.relative_to(REPO).with_suffix("").parts).removesuffix(".__init__")
        for path in (REPO / "grading").rglob("*.py")
    )
    offending = {module: sorted(name for name in _direct_imports(module)
                                if name.split(".")[0] in {"streamlit", "ui", "pages"})
                 for module in modules}
    assert len(modules) > 50
    assert {module: names for module, names in offending.items() if names} == {}


def test_the_import_graph_sees_lazy_imports():
    # The checks above are only as good as the graph: a function-level import must count.
    # grading.db.backup imports the schema inside a function; grading.settings imports the store for type hints only.
    assert "grading.db.schema" in _direct_imports("grading.db.backup")
    assert "grading.db.store" not in _direct_imports("grading.settings")


def test_only_the_browser_layer_starts_chromium_or_the_app_and_all_of_it_is_marked_browser():
    tests = REPO / "tests"
    for path in sorted((tests / "browser").glob("test_*.py")):
        assert "pytestmark = pytest.mark.browser" in path.read_text(encoding="utf-8"), path.name
    drives = re.compile(r"playwright|benchmarks\.serve|benchmarks import run|chromium", re.I)
    others = [path.relative_to(REPO).as_posix() for layer in ("unit", "app", "bench")
              for path in sorted((tests / layer).glob("*.py"))
              if path.name != Path(__file__).name and drives.search(path.read_text(encoding="utf-8"))]
    assert others == []
