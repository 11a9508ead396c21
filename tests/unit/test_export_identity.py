"""The CSV writer built on DuckDB writes the very bytes the pandas writer it replaced wrote, formulas included.

The replaced writer is kept here, and only here, as the reference: ``to_csv`` of the frame whose risky text cells
got a leading quote. Every file the product writes (the graded book, every exported table, and frames made to
probe the corners: float32, nullable integers, dates with and without times, Python objects, quotes, commas,
line breaks, formulas, empty and single-column frames) is compared byte for byte.
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from grading.db.export import export_tables, safe_csv_bytes, write_safe_csv_file
from grading.scoring.portfolio import grade_portfolio
from grading.db.store import Store

_FORMULA_START = r"^(?: *[=+\-@]|[\t\r])"
_NUMBER_KINDS = {"integer", "floating", "mixed-integer-float", "decimal", "boolean", "empty"}


def _reference_is_text(column: pd.Series) -> bool:
    dtype = column.dtype
    if pd.api.types.is_numeric_dtype(dtype) or pd.api.types.is_bool_dtype(dtype):
        return False
    if pd.api.types.is_datetime64_any_dtype(dtype) or pd.api.types.is_timedelta64_dtype(dtype):
        return False
    if dtype == object:
        return pd.api.types.infer_dtype(column, skipna=True) not in _NUMBER_KINDS
    return True


def reference_csv_bytes(frame: pd.DataFrame) -> bytes:
    """The replaced writer: neutralize risky text cells column by column, then pandas ``to_csv``."""
    safe = frame.copy()
    for position in range(safe.shape[1]):
        column = safe.iloc[:, position]
        if not _reference_is_text(column):
            continue
        text = column.astype("str")
        risky = text.str.contains(_FORMULA_START, regex=True).fillna(False) & column.notna()
        if risky.any():
            safe.isetitem(position, column.astype("object").where(~risky, "'" + text))
    return safe.to_csv(index=False, lineterminator="\r\n").encode("utf-8")


def _corner_frame(rows: int, seed: int = 8) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    words = np.array(["plain", "=1+2", "  -cmd", "+41 44", "@SUM(A1)", "\t=x", "\r=y", "a,b", 'say "hi"',
                      "two\nlines", "lone\rcr", "", "é ü 漢", "a=b", "-", " ", "'already"], dtype=object)
    floats = rng.normal(0, 1, rows) * 10.0 ** rng.integers(-8, 18, rows)
    floats[rng.random(rows) < 0.1] = np.nan
    floats[:4] = [0.0, -0.0, np.inf, -np.inf][: min(4, rows)]
    text = pd.Series(words[rng.integers(0, len(words), rows)], dtype="str")
    text[rng.random(rows) < 0.1] = None
    timestamps = pd.Series(pd.to_datetime("2024-01-01") + pd.to_timedelta(rng.integers(0, 10**6, rows), unit="s"))
    midnights = pd.Series(pd.to_datetime("2024-01-01") + pd.to_timedelta(rng.integers(0, 900, rows), unit="D"))
    timestamps[rng.random(rows) < 0.05] = pd.NaT
    objects = np.array([dt.date(2024, 1, 2), None, 1.5, np.float64(-2.25), 3, "=bad", "fine", True, np.nan,
                        pd.Timestamp("2024-05-06 07:08:09")], dtype=object)
    return pd.DataFrame(
        {
            "float": floats,
            "float32": floats.astype("float32"),
            "round": np.round(rng.normal(0, 1e4, rows), 2),
            "int": rng.integers(-10**12, 10**12, rows),
            "int8": rng.integers(-100, 100, rows).astype("int8"),
            "bool": rng.random(rows) < 0.5,
            "Int32": pd.array(np.where(rng.random(rows) < 0.2, None, rng.integers(-5, 5, rows)), dtype="Int32"),
            "boolean": pd.array(np.where(rng.random(rows) < 0.2, None, rng.random(rows) < 0.5), dtype="boolean"),
            "Float64": pd.array(np.where(rng.random(rows) < 0.2, None, rng.normal(0, 1, rows)), dtype="Float64"),
            "text": text,
            "text, quoted \"name\"": text.sample(frac=1, random_state=1).reset_index(drop=True),
            "timestamp": timestamps,
            "midnight": midnights,
            "dates": pd.Series([dt.date(2020, 1, 1) + dt.timedelta(days=int(d)) for d in rng.integers(0, 999, rows)],
                               dtype=object),
            "objects": pd.Series(objects[rng.integers(0, len(objects), rows)], dtype=object),
            "numbers in objects": pd.Series(rng.normal(0, 1, rows).tolist(), dtype=object),
            "category": pd.Categorical(words[rng.integers(0, 5, rows)]),
        }
    )


@pytest.mark.parametrize("rows", [1, 7, 3000])
def test_every_kind_of_column_is_written_as_the_pandas_writer_wrote_it(rows):
    frame = _corner_frame(rows)
    assert safe_csv_bytes(frame) == reference_csv_bytes(frame)


@pytest.mark.parametrize("column", list(_corner_frame(1).columns))
def test_a_single_column_is_written_as_the_pandas_writer_wrote_it(column):
    # A row's only cell, when empty, is written quoted ("") so the line is not blank.
    frame = _corner_frame(50)[[column]]
    assert safe_csv_bytes(frame) == reference_csv_bytes(frame)


def test_empty_frames_are_written_as_the_pandas_writer_wrote_them():
    for frame in (pd.DataFrame({"a": pd.Series([], dtype="float64"), "b": pd.Series([], dtype="str")}),
                  pd.DataFrame(), pd.DataFrame(index=range(3))):
        assert safe_csv_bytes(frame) == reference_csv_bytes(frame)


def test_a_date_column_takes_its_format_per_chunk_as_pandas_does():
    # 100,000 cells per chunk: 50,000 rows of 2 columns. Midnights only in the first chunk, times in the second.
    days = pd.Series(pd.date_range("2020-01-01", periods=60_000, freq="h"))
    days[:50_000] = days[:50_000].dt.normalize()
    frame = pd.DataFrame({"when": days, "n": np.arange(60_000)})
    written = safe_csv_bytes(frame)
    assert written == reference_csv_bytes(frame)
    assert b"\r\n2020-01-01,0\r\n" in written


@pytest.fixture(scope="module")
def demo_graded_twice(demo_database_template, tmp_path_factory):
    """The demo book graded as of 2026-01-01, made once for the module on a copy of the demo: the first grading
    (suggestions made by the model and stored) and the second (read back, as a test grading after the command
    gets). Tests take copies (:func:`graded_demo`, :func:`graded_demo_after_the_command`)."""
    import shutil

    folder = tmp_path_factory.mktemp("graded-demo") / "demo"
    shutil.copytree(demo_database_template, folder)
    with Store(folder / "portfolio.duckdb") as store:
        first = grade_portfolio(store, dt.date(2026, 1, 1), models_dir=folder / "models")
        second = grade_portfolio(store, dt.date(2026, 1, 1), models_dir=folder / "models")
    return first, second


@pytest.fixture
def graded_demo(demo_graded_twice):
    """A copy of the demo book graded as of 2026-01-01 (the first grading of the book)."""
    return demo_graded_twice[0].copy()


@pytest.fixture
def graded_demo_after_the_command(demo_graded_twice):
    """A copy of the demo book graded as of 2026-01-01 after a grading stored its suggestions."""
    return demo_graded_twice[1].copy()


def test_the_graded_demo_book_is_written_byte_for_byte_as_before(graded_demo):
    graded = graded_demo
    assert graded["reasons"].notna().all()
    assert safe_csv_bytes(graded) == reference_csv_bytes(graded)


def test_every_exported_demo_table_is_written_byte_for_byte_as_before(demo_db, tmp_path):
    with Store(demo_db) as store:
        store.execute("UPDATE clients SET name = '=HYPERLINK(\"x\")' WHERE client_id = (SELECT min(client_id) FROM clients)")
        written = export_tables(store, tmp_path / "out")
        for path in written:
            frame = store.query(f'SELECT * FROM "{path.stem}" ORDER BY ALL')
            assert path.read_bytes() == reference_csv_bytes(frame), path.name
    assert b"'=HYPERLINK" in (tmp_path / "out" / "clients.csv").read_bytes()


def test_a_file_written_in_small_batches_is_the_same_file(tmp_path):
    frame = _corner_frame(500)
    target = io.BytesIO()
    from grading.db.export import write_safe_csv

    write_safe_csv(frame, target.write, rows_per_batch=7)
    write_safe_csv_file(frame, tmp_path / "whole.csv")
    assert target.getvalue() == (tmp_path / "whole.csv").read_bytes() == reference_csv_bytes(frame)


def test_the_grade_command_writes_what_the_old_writer_wrote_for_the_graded_book(demo_db, tmp_path,
                                                                                 graded_demo_after_the_command):
    from grading.cli import main

    out = tmp_path / "graded.csv"
    assert main(["grade", "--as-of", "2026-01-01", "--format", "csv", "--out", str(out)]) == 0
    graded = graded_demo_after_the_command
    assert graded["suggested_grade"].notna().any()
    assert out.read_bytes() == reference_csv_bytes(graded)
    assert not out.with_name("graded.csv.partial").exists()


def test_grading_without_a_model_does_not_import_scikit_learn(tmp_path):
    import subprocess
    import sys

    from grading.db import bootstrap

    database = tmp_path / "no-model.duckdb"
    with Store(database) as store:
        bootstrap.fill_with_demo(store, tmp_path / "models", train=False)
    script = (
        "import sys\n"
        "from grading.cli import main\n"
        f"status = main(['grade', '--db', {str(database)!r}, '--models', {str(tmp_path / 'models')!r}, "
        f"'--format', 'csv', '--out', {str(tmp_path / 'graded.csv')!r}])\n"
        "loaded = sorted(name for name in sys.modules if name.split('.')[0] in ('sklearn', 'skops', 'scipy'))\n"
        "print(status, loaded)\n"
    )
    import grading

    repo = str(Path(grading.__file__).resolve().parents[1])
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=300,
                          cwd=repo)
    assert done.stdout.strip() == "0 []", done.stdout + done.stderr
    assert (tmp_path / "graded.csv").read_bytes().startswith(b"client_id,name,")


def _reference_json_bytes(frame: pd.DataFrame) -> bytes:
    """The replaced JSON writer: the whole frame's text at once."""
    frame = frame.copy()
    for column in ("client_since", "as_of", "window_start", "window_end", "assessed_on", "manual_graded_on"):
        if column in frame.columns:
            frame[column] = pd.to_datetime(frame[column]).dt.strftime("%Y-%m-%d")
    return (frame.to_json(orient="records", force_ascii=False, indent=1) + "\n").encode("utf-8")


@pytest.mark.parametrize("rows_per_piece", [1, 7, 20_000])
def test_the_grade_json_written_in_pieces_is_the_whole_text_as_before(graded_demo, rows_per_piece):
    from grading.commands.grade_command import write_json

    graded = graded_demo
    pieces: list[bytes] = []
    write_json((graded.iloc[start:start + rows_per_piece] for start in range(0, len(graded), rows_per_piece)),
               pieces.append)
    assert b"".join(pieces) == _reference_json_bytes(graded)
    empty: list[bytes] = []
    write_json([graded.iloc[:0]], empty.append)
    assert b"".join(empty) == _reference_json_bytes(graded.iloc[:0])


@pytest.mark.parametrize("form", ["csv", "json"])
def test_the_grade_command_explaining_a_few_rows_at_a_time_writes_the_same_file(demo_db, tmp_path, monkeypatch, form,
                                                                                graded_demo_after_the_command):
    from grading.cli import main
    from grading.commands import grade_command

    whole = tmp_path / f"whole.{form}"
    assert main(["grade", "--as-of", "2026-01-01", "--format", form, "--out", str(whole)]) == 0
    monkeypatch.setattr(grade_command, "ROWS_PER_PIECE", 7)
    pieced = tmp_path / f"pieced.{form}"
    assert main(["grade", "--as-of", "2026-01-01", "--format", form, "--out", str(pieced)]) == 0
    assert pieced.read_bytes() == whole.read_bytes()
    graded = graded_demo_after_the_command
    reference = reference_csv_bytes(graded) if form == "csv" else _reference_json_bytes(graded)
    assert pieced.read_bytes() == reference


def _odd_tables(store, rows: int) -> None:
    """Tables of every column type the export writes in SQL, with the corners of each (seeded)."""
    rng = np.random.default_rng(11)
    words = ["plain", "=1+2", "  -cmd", "+41 44", "@SUM(A1)", "\t=x", "\r=y", "a,b", 'say "hi"', "two\nlines",
             "lone\rcr", "", "é ü 漢", "a=b", "-", " ", "'already", None]
    # Midnights, whole seconds, milli- and microseconds: pandas writes each chunk of rows with the detail its
    # finest value needs.
    base = pd.Timestamp("1969-12-25")
    offsets = np.where(np.arange(rows) < 11_111, rng.integers(0, 400, rows) * 86_400_000_000,
                       np.where(np.arange(rows) < 22_222, rng.integers(0, 10**7, rows) * 1_000_000,
                                np.where(np.arange(rows) < 33_333, rng.integers(0, 10**10, rows) * 1_000,
                                         rng.integers(0, 10**13, rows))))
    frame = pd.DataFrame({
        "text": pd.Series([words[i] for i in rng.integers(0, len(words), rows)], dtype=object),
        "whole": pd.array(np.where(rng.random(rows) < 0.2, None, rng.integers(-10**12, 10**12, rows)),
                          dtype="Int64"),
        "small": pd.array(np.where(rng.random(rows) < 0.2, None, rng.integers(-100, 100, rows)), dtype="Int8"),
        "full": rng.integers(0, 10, rows).astype("int32"),
        "yes, no": pd.array(np.where(rng.random(rows) < 0.2, None, rng.random(rows) < 0.5), dtype="boolean"),
        "amount": np.where(rng.random(rows) < 0.1, np.nan, rng.normal(0, 1, rows) * 10.0 ** rng.integers(-8, 18, rows)),
        'day "d"': pd.Series(pd.to_datetime("2020-01-01") + pd.to_timedelta(rng.integers(0, 900, rows), unit="D")),
        "at": pd.Series(base + pd.to_timedelta(offsets, unit="us")).where(rng.random(rows) > 0.05),
        "flag": rng.random(rows) < 0.5,
    })
    store.execute('CREATE TABLE odd (text VARCHAR, whole BIGINT, small TINYINT, "full" INTEGER, "yes, no" BOOLEAN, '
                  'amount DOUBLE, "day ""d""" DATE, "at" TIMESTAMP, flag BOOLEAN)')
    with store.transaction() as tx, tx.frame(frame) as name:
        tx.execute(f"INSERT INTO odd SELECT * FROM {name}")  # noqa: S608 - a frame name
    store.execute('UPDATE odd SET amount = CAST(\'nan\' AS DOUBLE) WHERE "full" = 3 AND amount IS NOT NULL')
    store.execute("CREATE TABLE lonely (alone VARCHAR)")
    store.execute("INSERT INTO lonely VALUES (''), (NULL), ('=x'), ('a,b')")
    store.execute("CREATE TABLE nothing (a DOUBLE, b TIMESTAMP)")
    store.execute("CREATE TABLE moments AS SELECT TIMESTAMP '2001-01-01' + to_microseconds(CAST(CASE "
                  "WHEN i < 25000 THEN i * 86400000000 WHEN i < 50000 THEN 10 ** 16 + i * 1000000 "
                  "WHEN i < 75000 THEN 2 * 10 ** 16 + i * 1000 ELSE 3 * 10 ** 16 + i END AS BIGINT)) AS at, "
                  "i AS n, i % 7 AS m, NULL::INTEGER AS e FROM range(100000) AS r(i)")


def test_tables_written_by_duckdb_copy_are_what_the_frame_writer_wrote(tmp_path):
    with Store(tmp_path / "odd.duckdb") as store:
        _odd_tables(store, 40_000)
        written = {path.stem: path for path in export_tables(store, tmp_path / "out")}
        for table in ("odd", "lonely", "nothing", "moments"):
            frame = store.query(f'SELECT * FROM "{table}" ORDER BY ALL')
            assert written[table].read_bytes() == reference_csv_bytes(frame), table
    assert b"'=1+2" in written["odd"].read_bytes()
    # Sorted by time, each chunk of 25,000 rows (4 columns) is written with the detail its finest value needs.
    lines = written["moments"].read_bytes().split(b"\r\n")
    assert [len(lines[row].split(b",")[0]) for row in (1, 25_001, 50_001, 75_001)] == [10, 19, 23, 26]


def test_the_export_sql_way_covers_every_table_of_the_schema(store):
    from grading.db.export import _copy_sql

    for table in store.table_names():
        columns = store.rows("SELECT column_name, data_type FROM information_schema.columns "
                             "WHERE table_schema = 'main' AND table_name = ? ORDER BY ordinal_position", [table])
        assert _copy_sql(table, columns) is not None, table
