"""ClientGrade's library: import and validation, point-in-time features, the scorecard, the model, the
simulation, review sessions and chart builders.

It never imports Streamlit, so it works from the CLI (``python -m grading``), from tests and from a notebook.
Modules are imported where they are used; importing ``grading`` itself is cheap.
"""

__version__ = "0.1.0"
