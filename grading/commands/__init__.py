"""One module per CLI command; see :mod:`grading.cli`."""
