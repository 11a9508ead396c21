"""Showing text that clients or files control (names, notes, ids, cell values in error messages) as literal text.

Two places show such text, and each has its own function:

- **Streamlit Markdown** (:func:`escape_markdown`). Streamlit renders Markdown in ``st.markdown``, ``st.write`` of
  a string, ``st.caption``, ``st.title`` / ``st.header`` / ``st.subheader``, ``st.info`` / ``st.error`` and
  friends, ``st.toast``, metric labels, expander labels and widget labels. HTML there is not run (unless
  ``unsafe_allow_html``, which ClientGrade never uses), but ``**bold**``, ``[link](...)``, ``# heading``,
  ``$math$`` or ``:red[colour]`` in a client's name would be formatted instead of shown as typed. Backslash escapes
  stop those, but not what Streamlit's renderer does to the *text* afterwards (it works on the text with the
  escapes already removed): ``www.x.example`` and ``http://...`` become links, ``me@x.example`` a mail link,
  ``:material/delete:`` an icon and ``--`` a dash. An invisible WORD JOINER (U+2060) placed inside each of those
  patterns breaks them while the text still reads (and copies) the same. Markdown files ClientGrade hands out (the
  review summary) use the same function, so a Markdown viewer shows them literally too. Tables
  (``st.dataframe``), widget options (``st.selectbox`` / ``st.multiselect``) and ``st.text`` show text literally
  already.
- **A terminal** (:func:`terminal_safe`). Control characters (ESC sequences, BEL, a lone carriage return) in a
  client's name could retitle the terminal, clear it or overwrite a line; the command line shows them as visible
  escapes instead.
"""

from __future__ import annotations

import re

# Every ASCII character Markdown, GitHub's extensions or Streamlit's own (colour, math, icons) give a meaning.
_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:=&\"'@/^%])")
_LINE_BREAKS = re.compile(r"[\r\n\u2028\u2029]+")
#: U+2060 WORD JOINER: invisible, never a line break; placed inside a pattern that the renderer turns into
#: something (a link, an icon, a dash) so that the pattern no longer matches.
WORD_JOINER = "\u2060"
# Where a joiner goes (after the escaping, so the patterns see the backslashes): after every colon (``:material/``
# icons, emoji shortcodes, ``http:``), before every ``@`` (mail autolinks), between ``www`` and its dot (``www.``
# autolinks) and after a hyphen followed by another (``--`` and ``---`` dashes).
_BREAK_AFTER = re.compile(r"(\\:|(?i:www)(?=\\\.)|\\-(?=\\-))")
_BREAK_BEFORE = re.compile(r"(\\@)")
# C0 controls but tab and line feed, a carriage return not starting a line break, DEL and the C1 controls (U+009B is
# a one-character ESC [ on many terminals), and the bidirectional overrides that reorder what a line shows.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\x80-\x9f\u202a-\u202e\u2066-\u2069]|\r(?!\n)")
# Any ASCII control but tab and line feed (a carriage return included, as only the full pattern tells a lone one).
_ASCII_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def escape_markdown(text: object) -> str:
    """Return ``text`` so that Streamlit (or a Markdown viewer) shows it exactly as typed, on one line.

    Every Markdown special character is backslash-escaped, and a WORD JOINER (U+2060, invisible) breaks what the
    renderer would still turn into a link, an icon or a dash after the escapes are gone: ``www.`` and ``http:``
    autolinks, e-mail addresses, ``:material/...:`` icons and emoji shortcodes, ``--``.

    Parameters
    ----------
    text:
        A client name, note, id, or any value from a file; ``None`` gives an empty string and other values are
        turned into text first.

    Returns
    -------
    str
        Text for a Markdown string (line breaks become spaces, so a name cannot start a heading or a list of its
        own). Removing the backslashes before punctuation and the word joiners gives ``text`` back.
    """
    if text is None:
        return ""
    escaped = _SPECIAL.sub(r"\\\1", _LINE_BREAKS.sub(" ", str(text)))
    escaped = _BREAK_AFTER.sub(lambda match: match.group(1) + WORD_JOINER, escaped)
    return _BREAK_BEFORE.sub(lambda match: WORD_JOINER + match.group(1), escaped)


def terminal_safe(text: str) -> str:
    """Return ``text`` with every control character a terminal would act on written as a visible escape.

    ESC (``\\x1b``), BEL (``\\x07``), a carriage return that does not end a line, the other C0 and C1 controls and
    the bidirectional overrides become ``\\x1b``, ``\\u202e`` and so on; tab, line feed and CR LF stay. Used for
    everything the command line writes to stdout and stderr, so a client's name cannot retitle or clear the
    terminal, nor hide a line.
    """
    if text.isascii() and _ASCII_CONTROL.search(text) is None:
        # Most of what the CLI writes (a simulation's JSON is megabytes) has nothing to escape: one quick scan.
        return text
    return _CONTROL.sub(_visible, text)


def _visible(match: re.Match[str]) -> str:
    code = ord(match.group(0))
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"
