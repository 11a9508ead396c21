"""Unit tests: the grading library (and the CLI and house rules) alone, without Streamlit."""
