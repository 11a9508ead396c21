"""Client-controlled text shown literally: Markdown, HTML and Streamlit's own markup are escaped."""

from __future__ import annotations

import re

import pytest

from grading.text_safety import WORD_JOINER, escape_markdown


@pytest.mark.parametrize(
    "hostile",
    [
        "<img src=x onerror=alert(1)>",
        "**bold**",
        "[link](javascript:alert(1))",
        "# Heading",
        "$x^2$",
        ":red[coloured] :material/delete:",
        "`code` ~~struck~~ _under_",
        "a\\b",
        "&lt;b&gt;",
    ],
)
def test_every_markdown_special_character_is_escaped(hostile):
    escaped = escape_markdown(hostile)
    # Undoing the escapes (and the invisible word joiners) gives the text back, and no special character is left
    # unescaped.
    assert re.sub(r"\\(.)", r"\1", escaped).replace(WORD_JOINER, "") == hostile
    assert not re.search(r"(?<!\\)[*_\[\]()<>#$:`~&]", re.sub(r"\\\\", "", escaped))


def test_line_breaks_become_spaces_so_a_name_cannot_start_a_block():
    assert escape_markdown("Acme\n# Owned\r\n- item") == "Acme \\# Owned \\- item"


@pytest.mark.parametrize(("value", "shown"), [(None, ""), (42, "42"), ("Plain Name Ltd", "Plain Name Ltd")])
def test_plain_values_pass_through_unchanged(value, shown):
    assert escape_markdown(value) == shown
