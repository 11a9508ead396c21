"""Files the express way takes besides plain clients and monthly files, each checked against the careful way.

A file the express way takes must end up in the database exactly as the careful way writes it; a file with a
problem must still be refused with its file, row and column named, and nothing written.
"""

from __future__ import annotations

from unittest import mock

import grading.importer
from grading.importer import import_files
from grading.importer.express import _WHITESPACE
from grading.db.store import Store


def _careful():
    return mock.patch.object(grading.importer, "express_import", lambda *args, **kwargs: None)


def test_the_written_out_whitespace_is_every_character_str_strip_removes():
    assert _WHITESPACE == "".join(chr(code) for code in range(0x110000) if chr(code).isspace())


def test_a_first_express_import_of_clients_gives_them_aliases_in_file_order_as_the_careful_way_does():
    clients = {"clients": ("clients.csv", b"client_id,name\nC2,Two\nC1,One\nC3,Three\n")}
    aliases = []
    for careful in (False, True):
        with Store(":memory:") as store:
            if careful:
                with _careful():
                    import_files(store, clients)
            else:
                assert grading.importer.express_import(
                    store, clients, ["clients"], grading.importer.CONTRACTS, 1, write=True) is not None
            aliases.append(store.rows("SELECT client_id, alias_number FROM client_aliases ORDER BY alias_number"))
    assert aliases[0] == aliases[1] == [("C2", 1), ("C1", 2), ("C3", 3)]
