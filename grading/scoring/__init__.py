"""The rule grade: features as of a date, the scorecard, the flags, the reasons in plain words, and the graded
portfolio that puts them together."""
