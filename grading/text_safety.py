"""Showing text that clients or files control (names, notes, ids, cell values in error messages) as literal text.

Streamlit renders Markdown in ``st.markdown``, ``st.write`` of a string, ``st.caption``, ``st.header`` /
``st.subheader``, ``st.info`` / ``st.error`` and friends, metric labels and expander labels. HTML there is not run
(unless ``unsafe_allow_html``, which ClientGrade never uses), but ``**bold**``, ``[link](...)``, ``# heading``,
``$math$`` or ``:red[colour]`` in a client's name would be formatted instead of shown as typed. Pass every such
value through :func:`escape_markdown` before it goes into a Markdown string; tables (``st.dataframe``), widget
options (``st.selectbox`` / ``st.multiselect``) and ``st.text`` show text literally already.
"""

from __future__ import annotations

import re

# Every ASCII character Markdown, GitHub's extensions or Streamlit's own (colour, math, icons) give a meaning.
_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:=&])")
_LINE_BREAKS = re.compile(r"[\r\n\u2028\u2029]+")


def escape_markdown(text: object) -> str:
    """Return ``text`` with every Markdown special character backslash-escaped, on one line.

    Parameters
    ----------
    text:
        A client name, note, id, or any value from a file; ``None`` gives an empty string and other values are
        turned into text first.

    Returns
    -------
    str
        Text that Streamlit shows exactly as typed when placed inside a Markdown string (line breaks become
        spaces, so a name cannot start a heading or a list of its own).
    """
    if text is None:
        return ""
    return _SPECIAL.sub(r"\\\1", _LINE_BREAKS.sub(" ", str(text)))
