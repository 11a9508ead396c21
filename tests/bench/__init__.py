"""Benchmark tests: the scripts in benchmarks/ run at a tiny size (every part timed, rows emitted beside their floors)
and their report's pieces, without Streamlit (the benchmark smoke run that drives a browser is in tests/browser). A
layer of their own because they check the measuring tools, not the grading library; they run wherever the whole
suite does (``scripts/test``, CI)."""
