"""The import-raw benchmark at a tiny size: its files are generated once and reused, and it emits its rows."""

from __future__ import annotations

from benchmarks import bench_raw_import
from benchmarks.config import Config

TINY_ENTRIES = 3_000


def test_the_raw_exports_are_generated_once_into_the_cache_and_reused(tmp_path):
    said: list[str] = []
    first = bench_raw_import.prepare_raw_exports(tmp_path, TINY_ENTRIES, progress=said.append)
    stamps = {path: path.stat().st_mtime_ns for _, _, path in first.files}
    again = bench_raw_import.prepare_raw_exports(tmp_path, TINY_ENTRIES, progress=said.append)
    assert len(said) == 1, "the second call finds the files in the cache"
    assert again == first
    assert {path: path.stat().st_mtime_ns for _, _, path in again.files} == stamps
    assert {kind for kind, _, _ in first.files} == set(bench_raw_import.KINDS)
    # Entries are cut short enough to number about what was asked (every ticket still gets one).
    assert 0.8 * TINY_ENTRIES <= first.rows["time_entries"] <= 1.5 * TINY_ENTRIES
    assert first.import_arguments()[:2] == ["--time-entries", f"connectwise:{first.folder / 'time_entries.csv'}"]


def test_a_million_entries_take_the_issues_300_clients_and_fewer_take_fewer():
    assert bench_raw_import.scaled_clients(1_000_000) == 300
    assert bench_raw_import.scaled_clients(100_000) == 30
    assert bench_raw_import.scaled_clients(10) == 2


def test_the_benchmark_emits_a_time_row_beside_its_floor_and_a_memory_row(tmp_path):
    rows = []
    config = Config(sizes=[1], page_sizes=[1], training_events=[1], simulation_clients=1, draws=1, quick=True,
                    cache=tmp_path / "cache", scratch=tmp_path / "scratch", raw_time_entries=TINY_ENTRIES,
                    emit=rows.append, say=lambda _: None)
    bench_raw_import.run(config)
    timed, memory = rows
    assert timed.group == bench_raw_import.GROUP and timed.target == bench_raw_import.TARGET
    assert timed.floor_value > 0
    assert timed.value > 0 and "failed" not in timed.note, timed.note  # a failure leaves NaN and says so
    assert "CPU time" in timed.note
    assert memory.unit == "MiB" and memory.floor_value > 0
    assert "time entries" in timed.size
