"""``json.dumps(value, indent=N, allow_nan=False)``, the same text, without Python's slow indenting encoder.

With an indent, the standard library encodes every value in Python (its C encoder knows no indent), and a
simulation of 100,000 clients lists tens of thousands of fired clients: a few million small steps. The C encoder
does take any separators, though, and a list or mapping of plain values (text, numbers, true/false/null) indented
is exactly that encoder's text with ``",\\n" + indent`` between items and the brackets on lines of their own. So
containers of plain values are encoded in C, one call each, and only the containers that hold containers are
walked here.
"""

from __future__ import annotations

import json
from itertools import chain
from typing import Any

_PLAIN = (str, int, float, bool, type(None))
_PLAIN_TYPES = frozenset(_PLAIN)


def dumps_indented(value: Any, indent: int) -> str:
    """Return ``json.dumps(value, indent=indent, allow_nan=False)``, computed faster for large nested data.

    Parameters
    ----------
    value:
        Mappings with text keys, lists and tuples, text, numbers, booleans and ``None``, nested.
    indent:
        Spaces per level.

    Raises
    ------
    ValueError
        A number is NaN or infinite (as ``allow_nan=False`` has it).
    TypeError
        A value is of a type JSON does not know.
    """
    encoders: dict[int, json.JSONEncoder] = {}
    parts: list[str] = []
    _encode(value, 0, " " * indent, encoders, parts)
    return "".join(parts)


def _encoder(level: int, step: str, encoders: dict[int, json.JSONEncoder]) -> json.JSONEncoder:
    """The C encoder for the items of a container at ``level``: items on lines of their own, indented."""
    if level not in encoders:
        encoders[level] = json.JSONEncoder(separators=(",\n" + step * (level + 1), ": "), allow_nan=False)
    return encoders[level]


def _encode(value: Any, level: int, step: str, encoders: dict[int, json.JSONEncoder], parts: list[str]) -> None:
    if isinstance(value, dict):
        items = list(value.items())
        if all(isinstance(key, str) for key, _ in items):
            if not items:
                parts.append("{}")
                return
            if all(isinstance(item, _PLAIN) for _, item in items):
                parts.append(_plain_container(value, level, step, encoders))
                return
            inner = step * (level + 1)
            parts.append("{\n")
            for index, (key, item) in enumerate(items):
                parts.append((",\n" if index else "") + inner + json.encoder.encode_basestring_ascii(key) + ": ")
                _encode(item, level + 1, step, encoders, parts)
            parts.append("\n" + step * level + "}")
            return
    elif isinstance(value, (list, tuple)):
        if not value:
            parts.append("[]")
            return
        kinds = set(map(type, value))
        if kinds <= _PLAIN_TYPES or all(isinstance(item, _PLAIN) for item in value):
            parts.append(_plain_container(value, level, step, encoders))
            return
        if kinds == {dict} and _are_plain_records(value):
            _records(value, level, step, encoders, parts)
            return
        inner = step * (level + 1)
        parts.append("[\n")
        for index, item in enumerate(value):
            parts.append((",\n" if index else "") + inner)
            _encode(item, level + 1, step, encoders, parts)
        parts.append("\n" + step * level + "]")
        return
    elif isinstance(value, _PLAIN):
        parts.append(_encoder(level, step, encoders).encode(value))
        return
    # Anything else (keys that are not text, other types) is left to the standard library, which also says
    # what it cannot encode.
    parts.append(_shifted(json.dumps(value, indent=len(step), allow_nan=False), level, step))


def _plain_container(value: dict | list | tuple, level: int, step: str, encoders: dict[int, json.JSONEncoder]) -> str:
    """A non-empty list or mapping of plain values: the C encoder's text, its brackets put on lines of their own."""
    text = _encoder(level, step, encoders).encode(value)
    return text[0] + "\n" + step * (level + 1) + text[1:-1] + "\n" + step * level + text[-1]


def _are_plain_records(items: list[dict]) -> bool:
    """Whether every mapping is non-empty, with text keys and plain values of exactly the plain types.

    The types of all keys and of all values are gathered in one pass each over the whole list, in C: a simulation
    lists tens of thousands of fired clients, and a check per record cost more than encoding them.
    """
    if not all(items):
        return False
    keys = set(map(type, chain.from_iterable(items)))
    values = set(map(type, chain.from_iterable(map(dict.values, items))))
    return keys == {str} and values <= _PLAIN_TYPES


def _records(value: list, level: int, step: str, encoders: dict[int, json.JSONEncoder], parts: list[str]) -> None:
    """Append a list of plain records (:func:`_are_plain_records`), made by one call of the C encoder, to ``parts``.

    Encoded with the separator of the records' items, the text has that separator between records too, as
    ``"},\n" + indent + "{"``; that sequence marks a boundary between records and nothing else (text holds no
    raw line break, and inside a record a key, never a brace, follows a separator), so it is replaced by the
    boundary the indented text has. The long middle is appended as it is, not added to its brackets: each ``+``
    would copy it again (a million clients' fired list is over 100 MB of text).
    """
    inner, item = step * (level + 1), step * (level + 2)
    text = _encoder(level + 1, step, encoders).encode(value)
    body = text[2:-2].replace("},\n" + item + "{", "\n" + inner + "},\n" + inner + "{\n" + item)
    parts.extend(("[\n" + inner + "{\n" + item, body, "\n" + inner + "}\n" + step * level + "]"))


def _shifted(text: str, level: int, step: str) -> str:
    """An indented JSON text moved ``level`` steps to the right (its first line stays where it is)."""
    return text.replace("\n", "\n" + step * level)
