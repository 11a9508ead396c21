"""Unit tests: the grading library (and the CLI, benchmarks report and house rules) alone, without Streamlit."""
