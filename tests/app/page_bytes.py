"""What an AppTest page sent to the browser, for tests that search it (the anonymize checks)."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest


def page_bytes(at: AppTest) -> bytes:
    """Everything the page sent to the browser (texts, tables, widget options and chart data), as bytes."""
    parts = []

    def walk(node) -> None:
        proto = getattr(node, "proto", None)
        if proto is not None:
            parts.append(proto.SerializeToString())
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at._tree)
    return b"\n".join(parts)
