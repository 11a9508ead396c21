"""The database schema and its migrations.

The schema is versioned: ``MIGRATIONS`` is an ordered tuple of steps, and the table ``schema_migrations`` records
which steps a database has had. Opening a :class:`~grading.db.store.Store` applies the missing steps, each in one
transaction, so an interrupted migration leaves the database as it was and an existing ``data/portfolio.duckdb``
is carried forward without losing a row. A database the store has just created gets every step in a single
transaction instead (the same statements in the same order, one ``schema_migrations`` row per step, less those that
only carry an older book's rows forward, :class:`CarriesRowsForward`): it has nothing to carry forward, and one
commit instead of seven spares six waits for the disk. A step is never edited once released; a change is a new step.

Grades are events (STYLE.md 5): ``grade_events`` is append-only, and ``current_grades`` is a view over it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from grading.errors import StoreError

if TYPE_CHECKING:
    from grading.db.store import Store


@dataclass(frozen=True)
class Migration:
    """One schema step: its version number, a short name, and the statements it runs."""

    version: int
    name: str
    statements: tuple[str, ...]


class CarriesRowsForward(str):
    """A migration statement that only fills a new table from rows an older database already holds.

    A database the store has just created holds no rows, so migrating it leaves such a statement out: it would
    change nothing, and each costs DuckDB about 2 ms, a tenth of migrating a new database. A database carried
    forward step by step runs it where it stands in its step.
    """


_CORE_TABLES = (
    """
    CREATE TABLE clients (
        client_id      VARCHAR PRIMARY KEY,
        name           VARCHAR NOT NULL,
        service_model  VARCHAR CHECK (service_model IN ('managed', 'break_fix', 'project', 'hybrid')),
        seats          INTEGER CHECK (seats >= 0),
        client_since   DATE
    )
    """,
    """
    CREATE TABLE monthly_metrics (
        client_id            VARCHAR NOT NULL,
        month                DATE NOT NULL,
        revenue              DOUBLE NOT NULL CHECK (revenue >= 0),
        labor_hours          DOUBLE NOT NULL CHECK (labor_hours >= 0),
        direct_costs         DOUBLE CHECK (direct_costs >= 0),
        tickets              INTEGER CHECK (tickets >= 0),
        after_hours_tickets  INTEGER CHECK (after_hours_tickets >= 0),
        emergency_tickets    INTEGER CHECK (emergency_tickets >= 0),
        days_to_pay          DOUBLE CHECK (days_to_pay >= 0),
        disputed_invoices    INTEGER CHECK (disputed_invoices >= 0),
        PRIMARY KEY (client_id, month)
    )
    """,
    """
    CREATE TABLE assessments (
        client_id                VARCHAR NOT NULL,
        assessed_on              DATE NOT NULL,
        assessor                 VARCHAR NOT NULL DEFAULT '',
        pays_on_time             TINYINT CHECK (pays_on_time BETWEEN 1 AND 5),
        values_service           TINYINT CHECK (values_service BETWEEN 1 AND 5),
        trusted_advisor          TINYINT CHECK (trusted_advisor BETWEEN 1 AND 5),
        follows_process          TINYINT CHECK (follows_process BETWEEN 1 AND 5),
        open_to_recommendations  TINYINT CHECK (open_to_recommendations BETWEEN 1 AND 5),
        caller_id                VARCHAR CHECK (caller_id IN ('happy', 'neutral', 'dread')),
        note                     VARCHAR,
        PRIMARY KEY (client_id, assessed_on, assessor)
    )
    """,
    "CREATE SEQUENCE grade_event_ids START 1",
    """
    CREATE TABLE grade_events (
        event_id     BIGINT PRIMARY KEY DEFAULT nextval('grade_event_ids'),
        client_id    VARCHAR NOT NULL,
        graded_on    DATE NOT NULL,
        grade        VARCHAR NOT NULL CHECK (grade IN ('A', 'B', 'C', 'D')),
        grader       VARCHAR NOT NULL DEFAULT '',
        note         VARCHAR NOT NULL DEFAULT '',
        source       VARCHAR NOT NULL DEFAULT 'import',
        recorded_at  TIMESTAMP NOT NULL DEFAULT current_timestamp
    )
    """,
    # The current manual grade of a client is its latest event: latest date, and on the same date the one
    # recorded last.
    """
    CREATE VIEW current_grades AS
    SELECT client_id, grade, graded_on, grader, note, source, event_id
    FROM grade_events
    QUALIFY row_number() OVER (PARTITION BY client_id ORDER BY graded_on DESC, event_id DESC) = 1
    """,
    """
    CREATE TABLE settings (
        name        VARCHAR PRIMARY KEY,
        value_json  VARCHAR NOT NULL,
        updated_at  TIMESTAMP NOT NULL DEFAULT current_timestamp
    )
    """,
    # One row whose counter every committed write transaction raises (grading.db.store), so the app can cache
    # computed frames per revision and still see another session's writes on its next rerun.
    "CREATE TABLE store_revision (revision BIGINT NOT NULL)",
    "INSERT INTO store_revision VALUES (0)",
    """
    CREATE TABLE model_registry (
        model_id      VARCHAR PRIMARY KEY,
        file_name     VARCHAR NOT NULL,
        content_hash  VARCHAR NOT NULL,
        card_json     VARCHAR NOT NULL,
        trained_at    TIMESTAMP NOT NULL DEFAULT current_timestamp,
        is_active     BOOLEAN NOT NULL DEFAULT false
    )
    """,
)

# Live reviews (grading.review): a session, the clients it walks in order, and the decisions taken. Decisions
# are events like grades (STYLE.md 5): every save appends a row with the client's whole state, and the view
# current_review_decisions keeps the latest per session and client, so two people saving at once both land.
_REVIEW_TABLES = (
    "CREATE SEQUENCE review_session_ids START 1",
    """
    CREATE TABLE review_sessions (
        session_id      BIGINT PRIMARY KEY DEFAULT nextval('review_session_ids'),
        title           VARCHAR NOT NULL,
        held_on         DATE NOT NULL,
        attendees_json  VARCHAR NOT NULL DEFAULT '[]',
        selection_json  VARCHAR NOT NULL DEFAULT '{}',
        created_at      TIMESTAMP NOT NULL DEFAULT current_timestamp
    )
    """,
    """
    CREATE TABLE review_items (
        session_id  BIGINT NOT NULL,
        client_id   VARCHAR NOT NULL,
        position    INTEGER NOT NULL CHECK (position >= 0),
        PRIMARY KEY (session_id, client_id),
        UNIQUE (session_id, position)
    )
    """,
    "CREATE SEQUENCE review_decision_ids START 1",
    """
    CREATE TABLE review_decisions (
        decision_id         BIGINT PRIMARY KEY DEFAULT nextval('review_decision_ids'),
        session_id          BIGINT NOT NULL,
        client_id           VARCHAR NOT NULL,
        decision            VARCHAR CHECK (decision IN ('keep', 'lift', 'raise_price', 'fire')),
        plan_steps_json     VARCHAR NOT NULL DEFAULT '[]',
        price_increase_pct  DOUBLE CHECK (price_increase_pct > 0),
        notice_months       INTEGER CHECK (notice_months >= 0),
        handover_note       VARCHAR NOT NULL DEFAULT '',
        owner               VARCHAR NOT NULL DEFAULT '',
        due_on              DATE,
        caller_id_again     VARCHAR CHECK (caller_id_again IN ('happy', 'neutral', 'dread')),
        note                VARCHAR NOT NULL DEFAULT '',
        previous_grade      VARCHAR CHECK (previous_grade IN ('A', 'B', 'C', 'D')),
        new_grade           VARCHAR CHECK (new_grade IN ('A', 'B', 'C', 'D')),
        grade_event_id      BIGINT,
        decided_at          TIMESTAMP NOT NULL DEFAULT current_timestamp
    )
    """,
    """
    CREATE VIEW current_review_decisions AS
    SELECT * FROM review_decisions
    QUALIFY row_number() OVER (PARTITION BY session_id, client_id ORDER BY decision_id DESC) = 1
    """,
)

# The life of a client in a book (grading.anonymize, grading.db.book_admin): its alias, numbered once in order of
# first appearance and never renumbered; whether it came with the demo; whether it has been archived (kept in the
# history, left out of grading from that day on). Aliases of an existing book are numbered in id order, which is
# how they were derived before, so the aliases people have seen stay the same.
_CLIENT_LIFE_TABLES = (
    """
    CREATE TABLE client_aliases (
        client_id     VARCHAR PRIMARY KEY,
        alias_number  INTEGER NOT NULL UNIQUE CHECK (alias_number >= 1)
    )
    """,
    CarriesRowsForward(
        "INSERT INTO client_aliases SELECT client_id, row_number() OVER (ORDER BY client_id) FROM clients"
    ),
    "CREATE TABLE demo_clients (client_id VARCHAR PRIMARY KEY)",
    # A book made before this step: a client whose manual grades all came with the demo is a demo client.
    CarriesRowsForward(
        """
        INSERT INTO demo_clients
        SELECT client_id FROM grade_events GROUP BY client_id HAVING bool_and(source = 'demo')
        """
    ),
    """
    CREATE TABLE archived_clients (
        client_id    VARCHAR PRIMARY KEY,
        archived_on  DATE NOT NULL,
        note         VARCHAR NOT NULL DEFAULT ''
    )
    """,
)

# The book's grades as last worked out (grading.stored_grades): derived data, kept so that the comparison of many
# books (grading.compare) reads every book's effective grades in one query instead of grading each book again.
# ``revision`` is the store revision the grades belong to; rows of an older revision are stale and ignored.
_STORED_GRADES_TABLES = (
    """
    CREATE TABLE graded_clients (
        as_of                   DATE NOT NULL,
        client_id               VARCHAR NOT NULL,
        effective_grade         VARCHAR CHECK (effective_grade IN ('A', 'B', 'C', 'D')),
        effective_grade_source  VARCHAR,
        revision                BIGINT NOT NULL,
        graded_at               TIMESTAMP NOT NULL DEFAULT current_timestamp,
        PRIMARY KEY (as_of, client_id)
    )
    """,
)

# Raw imports (grading.sources): the owner's answer for a client name that matched no client, or two. The key is
# the name as matching compares it, so "ACME Ltd." and "Acme Ltd" share one answer.
_CLIENT_NAME_CHOICES = (
    """
    CREATE TABLE client_name_choices (
        name_key   VARCHAR PRIMARY KEY,
        name       VARCHAR NOT NULL,
        client_id  VARCHAR NOT NULL,
        chosen_at  TIMESTAMP NOT NULL DEFAULT current_timestamp
    )
    """,
)

# The model's suggested grades as last made (grading.model.stored_suggestions): derived data, kept so that a restart
# shows them without reading the model (importing scikit-learn takes seconds). A set is keyed by the model's content
# hash and a fingerprint of the exact inputs it was given; a set under any other key is never read as current.
_STORED_SUGGESTIONS_TABLES = (
    """
    CREATE TABLE suggestion_sets (
        set_key        VARCHAR PRIMARY KEY,
        model_hash     VARCHAR NOT NULL,
        trusted_types  VARCHAR NOT NULL,
        n_clients      INTEGER NOT NULL,
        made_at        TIMESTAMP NOT NULL DEFAULT current_timestamp
    )
    """,
    """
    CREATE TABLE stored_suggestions (
        set_key               VARCHAR NOT NULL,
        position              INTEGER NOT NULL,
        client_id             VARCHAR NOT NULL,
        suggested_grade       VARCHAR,
        suggested_confidence  DOUBLE,
        suggestion_reasons    VARCHAR
    )
    """,
)

MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "core tables", _CORE_TABLES),
    Migration(2, "review sessions", _REVIEW_TABLES),
    Migration(3, "client aliases, demo clients and archive", _CLIENT_LIFE_TABLES),
    Migration(4, "stored grades", _STORED_GRADES_TABLES),
    Migration(5, "client name choices", _CLIENT_NAME_CHOICES),
    Migration(6, "stored suggestions", _STORED_SUGGESTIONS_TABLES),
)


_SCHEMA_MIGRATIONS_COLUMNS = (
    "(version INTEGER PRIMARY KEY, name VARCHAR NOT NULL, applied_at TIMESTAMP NOT NULL DEFAULT current_timestamp)"
)


def current_version(store: Store) -> int:
    """Return the highest migration applied to ``store`` (0 for a new, empty database)."""
    if not store.has_table("schema_migrations"):
        return 0
    return int(store.scalar("SELECT coalesce(max(version), 0) FROM schema_migrations"))


def migrate(store: Store, migrations: tuple[Migration, ...] = MIGRATIONS, *, new_database: bool = False) -> int:
    """Apply every migration ``store`` has not had yet, each in its own transaction; return the new version.

    Parameters
    ----------
    store:
        The database to bring up to date.
    migrations:
        The steps, in order (tests pass a longer or shorter tuple).
    new_database:
        The caller has just created the database, so it has no tables: every step is applied in one transaction
        without asking the catalog first. Should it have ClientGrade's tables after all (another process made the
        file between the caller's look and its opening), that transaction fails on its first statement, leaves
        nothing behind, and the steps are applied one by one as for any other database.

    Raises
    ------
    StoreError
        The database was written by a newer ClientGrade than this one (its schema is ahead of the code).
    """
    if new_database:
        try:
            return _migrate_new_database(store, migrations)
        except StoreError:
            pass  # not new after all: the catalog is asked below, and a real fault fails there again
    known = max(step.version for step in migrations)
    version = current_version(store)
    if version > known:
        raise StoreError(
            f"The database {store.path} has schema version {version}, newer than this ClientGrade knows "
            f"({known}). Update ClientGrade, or open another file with --db."
        )
    if version == 0:
        store.execute(f"CREATE TABLE IF NOT EXISTS schema_migrations {_SCHEMA_MIGRATIONS_COLUMNS}")
    for step in migrations:
        if step.version <= version:
            continue
        with store.transaction() as tx:
            for statement in step.statements:
                tx.execute(statement)
            tx.execute("INSERT INTO schema_migrations (version, name) VALUES (?, ?)", [step.version, step.name])
        version = step.version
    return version


def _migrate_new_database(store: Store, migrations: tuple[Migration, ...]) -> int:
    """Apply every step to a database with no tables in one transaction, recording each step's row.

    The statements that carry rows forward are left out: the database has none.
    """
    with store.transaction() as tx:
        # Not "IF NOT EXISTS": a database that has the table is not new, and must fail here to be migrated as such.
        tx.execute(f"CREATE TABLE schema_migrations {_SCHEMA_MIGRATIONS_COLUMNS}")
        for step in migrations:
            for statement in step.statements:
                if not isinstance(statement, CarriesRowsForward):
                    tx.execute(statement)
        tx.execute(
            "INSERT INTO schema_migrations (version, name) VALUES " + ", ".join(["(?, ?)"] * len(migrations)),
            [value for step in migrations for value in (step.version, step.name)],
        )
    return max(step.version for step in migrations)
