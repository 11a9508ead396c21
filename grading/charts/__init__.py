"""Altair chart builders: each takes a frame (and a few options) and returns an ``alt.Chart``.

Pure functions, testable without a server (STYLE.md 8). Every chart has a title, axis labels with units, a legend,
and the same colours for grades A-D on every page (:mod:`grading.charts.palette`).
"""
