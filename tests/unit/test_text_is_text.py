"""Text is text: what Streamlit's renderer does after the escapes (links, icons, dashes) and terminal escapes."""

from __future__ import annotations

import re

import pytest

from grading.text_safety import WORD_JOINER, escape_markdown, terminal_safe

# What the adversarial probe saw rendered despite the backslash escapes (issue 15, finding 4), and their kin.
RENDERED_AFTER_ESCAPES = [
    "www.evil.example/login",
    "WWW.Evil.Example",
    "http://127.0.0.1:8799/x",
    "https://evil.example/a?b=c",
    ":material/delete_forever: icon",
    ":smile: :+1:",
    "x -- y",
    "a---b",
    "mail me@evil.example",
    "![px](http://tracker/img.png)",
    "<img src=x onerror=alert(1)>",
]


def _as_rendered_text(escaped: str) -> str:
    """The text Streamlit's renderer works on: the Markdown escapes resolved, the word joiners kept."""
    return re.sub(r"\\(.)", r"\1", escaped)


@pytest.mark.parametrize("hostile", RENDERED_AFTER_ESCAPES)
def test_the_text_reads_the_same_once_the_invisible_joiners_are_removed(hostile):
    assert _as_rendered_text(escape_markdown(hostile)).replace(WORD_JOINER, "") == hostile


@pytest.mark.parametrize("hostile", RENDERED_AFTER_ESCAPES)
def test_no_pattern_the_renderer_acts_on_survives_the_escapes(hostile):
    text = _as_rendered_text(escape_markdown(hostile))
    # GFM autolink literals (www., http(s)://, e-mail), Streamlit's icons and emoji (:name:) and its dash (--).
    assert not re.search(r"(?i)www\.|https?://|[\w.+-]@\w|:[\w/+-]+:|--", text)


def test_the_probe_payloads_come_out_as_expected():
    assert escape_markdown("x -- y") == f"x \\-{WORD_JOINER}\\- y"
    assert escape_markdown("www.a.b") == f"www{WORD_JOINER}\\.a\\.b"
    assert escape_markdown(":material/home:").startswith(f"\\:{WORD_JOINER}material")


def test_terminal_escape_sequences_become_visible():
    hostile = "\x1b]0;pwned\x07\x1b[2J Evil\u202e Ltd\rspoof\x9b1m"
    shown = terminal_safe(hostile)
    assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202e]", shown)
    assert shown == "\\x1b]0;pwned\\x07\\x1b[2J Evil\\u202e Ltd\\x0dspoof\\x9b1m"


def test_tabs_line_breaks_and_plain_unicode_stay():
    assert terminal_safe("a\tb\nc\r\nd é ü 中") == "a\tb\nc\r\nd é ü 中"
