"""Where an import file comes from (a path, or the name and bytes of an upload) and the name messages give it.

Kept apart from the readers so that the express way (:mod:`grading.importer.express`), which hands paths to DuckDB,
needs neither pandas nor pyarrow.
"""

from __future__ import annotations

import os
from pathlib import Path

from grading.importer.contract import FileContract

# What ``files`` may map a kind to: a path, or the (file name, content) pair a browser upload gives.
FileSource = str | os.PathLike | tuple[str, bytes]


def source_name(contract: FileContract, source: FileSource | bytes) -> str:
    """Return the name that messages use for ``source``: the file's own name, else the contract's."""
    if isinstance(source, tuple) and source and isinstance(source[0], str) and source[0].strip():
        return source[0].strip()
    if isinstance(source, (str, os.PathLike)):
        return Path(source).name or contract.file_name
    return contract.file_name
