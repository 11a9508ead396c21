"""Cached reads for the pages: computed frames are kept per store revision, so a rerun that changes no data
costs no recomputation, and a write by any session shows on every session's next rerun."""

from __future__ import annotations

import contextlib
import dataclasses
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Mapping
from datetime import date
from typing import Any, TypeVar

import altair as alt
import pandas as pd
import pyarrow as pa
import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from grading.model.persistence import active_model_file, model_file_stamp
from ui.resources import get_models_dir, get_store

T = TypeVar("T")


class _KeptValues:
    """Values kept for the pages (:func:`computed`, :func:`portfolio`), the least recently used dropped first.

    Safe across session threads. A plain dict rather than ``st.cache_resource``: Streamlit hashes a cached
    function's arguments on every call (0.2 ms for a short key tuple, a dozen calls per rerun), where a dict looks
    a tuple up in microseconds.
    """

    def __init__(self, max_entries: int):
        self._values: OrderedDict[tuple, Any] = OrderedDict()
        self._computing: dict[tuple, threading.Lock] = {}
        self._lock = threading.Lock()
        self._max_entries = max_entries

    def _kept(self, key: tuple) -> tuple[bool, Any]:
        with self._lock:
            if key not in self._values:
                return False, None
            self._values.move_to_end(key)
            return True, self._values[key]

    def get(self, key: tuple, compute: Callable[[], Any]) -> Any:
        """Return the value kept for ``key``, else ``compute()`` it (once, however many sessions ask) and keep it."""
        found, value = self._kept(key)
        if found:
            return value
        with self._lock:
            key_lock = self._computing.setdefault(key, threading.Lock())
        # One lock per key being computed: sessions asking for the same new value wait for the first one's result
        # (a book of 100,000 clients takes seconds to grade), while reads of other keys go on.
        with key_lock:
            found, value = self._kept(key)
            if found:
                return value
            try:
                value = compute()
                with self._lock:
                    self._values[key] = value
                    while len(self._values) > self._max_entries:
                        self._values.popitem(last=False)
            finally:
                with self._lock:
                    self._computing.pop(key, None)
        return value


# Kept values live in cached resources so that st.cache_resource.clear() (tests, benchmarks) empties them with the
# rest. Not st.cache_data: it unpickles a fresh copy on every hit (15 ms for 10,000 clients x 98 columns). The
# kept objects are shared between sessions, so frames are handed out as shallow copies: under pandas copy-on-write
# no caller's change can reach the kept one.
@st.cache_resource(show_spinner=False)
def _kept_values() -> _KeptValues:
    return _KeptValues(max_entries=256)


@st.cache_resource(show_spinner=False)
def _kept_portfolios() -> _KeptValues:
    # Fewer: a graded book of 10,000 clients is some 10 MB, and each as-of date an owner picks is one.
    return _KeptValues(max_entries=32)


_RUN_MEMO = "_clientgrade_revision_key"


@st.cache_resource(show_spinner=False)
def _active_model_files() -> _KeptValues:
    return _KeptValues(max_entries=16)


def _model_stamp(store: Any, models_dir: str, revision: int) -> tuple[int, int, int] | None:
    """The active model file's size, time and inode: a model replaced, altered or deleted on disk changes it.

    Which file is active changes only with a write (a new revision), so it is looked up once per revision; the file
    itself is looked at (one ``stat``) on every run, so suggestions from a file changed on disk are dropped at the
    next rerun, not at the next write.
    """
    path = _active_model_files().get((str(store.path), models_dir, revision),
                                     lambda: active_model_file(store, models_dir))
    return model_file_stamp(path)


def _revision_key() -> tuple[str, str, int, tuple[int, int, int] | None]:
    # Read once per script run, not once per cached read (a page makes a dozen): every read of one run then uses
    # the same revision, even when another session writes in the middle of it. The run's cursors dict is replaced
    # whenever a run starts, so a memo tied to it lasts exactly one run. Widget callbacks, where the pages write,
    # run before the page and so before the memo is made; a page that writes in its body reruns straight after.
    ctx = get_script_run_ctx()
    if ctx is not None:
        memo = getattr(ctx, _RUN_MEMO, None)
        if memo is not None and memo[0] is ctx.cursors:
            return memo[1]
    store = get_store()
    models_dir, revision = str(get_models_dir()), store.revision()
    key = (str(store.path), models_dir, revision, _model_stamp(store, models_dir, revision))
    if ctx is not None:
        setattr(ctx, _RUN_MEMO, (ctx.cursors, key))
    return key


def _shallow(value: Any) -> Any:
    if isinstance(value, pd.DataFrame | pd.Series):
        return value.copy(deep=False)
    if isinstance(value, tuple):
        return tuple(_shallow(item) for item in value)
    return value


def portfolio(as_of: date, *, words: bool = False, quiet: bool = False) -> pd.DataFrame:
    """Return :func:`grading.scoring.portfolio.grade_portfolio` for ``as_of``, cached per store revision.

    Without ``words`` the frame holds every number, grade and flag but not the sentences (reasons, flags text):
    writing those for every client costs as much again as grading, so only the pages that show them
    (``words=True``) pay for them, once per revision. ``quiet`` shows no spinner (for :mod:`ui.warmup`, which
    grades outside any page).
    """
    from grading.scoring.portfolio import explain_portfolio, grade_portfolio

    def saying(words: str):
        return contextlib.nullcontext() if quiet else st.spinner(words)

    def grade() -> pd.DataFrame:
        with saying("Grading the portfolio..."):
            return grade_portfolio(get_store(), as_of, models_dir=get_models_dir(), explain=False)

    def explain() -> pd.DataFrame:
        graded = _kept_portfolios().get((*_revision_key(), as_of, False), grade)
        with saying("Writing the reasons behind the grades..."):
            return explain_portfolio(graded)

    handed_out = _kept_portfolios().get((*_revision_key(), as_of, words), explain if words else grade).copy(deep=False)
    # The kept frame's attrs hold what explain_portfolio needs (the model among it); pages never explain, and
    # Streamlit would try to write attrs into every table and chart it converts.
    handed_out.attrs = {}
    return handed_out


def model_state() -> Any:
    """Return :func:`grading.model.suggest.model_state` of the active model (active, none or refused, in words),
    kept per store revision and model file (a file changed on disk is looked at again at the next rerun)."""
    from grading.model.suggest import model_state as state_of

    return computed(("model-state",), lambda: state_of(get_store(), get_models_dir()))


def key_of(value: Any) -> Hashable:
    """Return a hashable stand-in for ``value``, to key a kept value by the very object it is computed from.

    A (frozen) dataclass is keyed by its type and its fields, a mapping by its items (in sorted order), a list or
    tuple as a tuple, recursively; anything else must be hashable itself. A key made from the object a
    computation is given (e.g. the churn page's :class:`~grading.simulation.Scenario`) cannot disagree with it,
    as a tuple written out by hand beside the call can.

    Raises
    ------
    TypeError
        ``value`` is (or holds) a frame, an array or another unhashable object: key by what it is computed from.
    """
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return (type(value).__qualname__,
                *((field.name, key_of(getattr(value, field.name))) for field in dataclasses.fields(value)))
    if isinstance(value, Mapping):
        return ("mapping", *sorted(((key_of(key), key_of(item)) for key, item in value.items()), key=repr))
    if isinstance(value, list | tuple):
        return tuple(key_of(item) for item in value)
    if isinstance(value, pd.DataFrame | pd.Series):
        raise TypeError("A frame cannot be a cache key; key by what it is computed from.")
    hash(value)
    return value


def _computed(key: tuple, compute: Callable[[], Any]) -> Any:
    return _kept_values().get(key, compute)


def computed(key: tuple[Hashable, ...], compute: Callable[[], T]) -> T:
    """Return ``compute()``, computed once per store revision and ``key`` and shared by every session.

    Parameters
    ----------
    key : tuple
        Everything the result depends on besides the stored data: a name for the computation first, then the
        as-of date, the controls and the filters it reads. Two computations with the same key must agree.
    compute : callable
        Makes the value; called only when no value is kept for this revision and key.

    Returns
    -------
    object
        The value; frames (also inside a tuple) are shallow copies, so a caller cannot change the kept one.
    """
    return _shallow(_computed((*_revision_key(), *key), compute))


try:
    # What st.altair_chart makes of a chart: the validated spec with its data already in Arrow. It is private to
    # Streamlit (pinned in requirements.txt); should a release drop it, charts are shown the ordinary way.
    from streamlit.elements.vega_charts import _convert_altair_to_vega_lite_spec
except ImportError:  # pragma: no cover - depends on the Streamlit release
    _convert_altair_to_vega_lite_spec = None


def altair_chart(key: tuple[Hashable, ...], build: Callable[[], alt.TopLevelMixin], /, **kwargs: Any) -> Any:
    """Show the Altair chart ``build()`` returns, building and validating it once per store revision and ``key``.

    ``st.altair_chart`` converts and validates a chart on every rerun (20-45% of a page's rerun); the spec it
    would make is kept instead, and shown with ``st.vega_lite_chart`` (the same element). ``key`` follows the
    rules of :func:`computed`; ``kwargs`` go to ``st.vega_lite_chart`` (e.g. ``width``, or ``on_select`` and
    ``key`` for a chart that selects), whose return value (the selection, with ``on_select``) is returned.
    """
    if _convert_altair_to_vega_lite_spec is None:
        return st.altair_chart(build(), **kwargs)
    spec = computed(("chart", *key), lambda: _convert_altair_to_vega_lite_spec(build()))
    return st.vega_lite_chart(spec=spec, **kwargs)


def alias_numbers() -> dict[str, int]:
    """Return the book's stored alias numbers by client id (:mod:`grading.anonymize`), read once per revision."""
    from grading.anonymize import stored_aliases

    return computed(("alias-numbers",), lambda: stored_aliases(get_store()))


def anonymizing() -> bool:
    """Whether this session hides names and ids (the sidebar's "Anonymize names")."""
    return bool(st.session_state.get("keep_anonymize", False))


def hide_ids(frame: pd.DataFrame, anonymize: bool | None = None,
             numbers: dict[str, int] | None = None) -> pd.DataFrame:
    """Return ``frame`` ready to leave the server: ``client_id`` replaced by the alias id while anonymizing.

    Pages keep real ids for their own logic (a selected row, a write); whatever is sent to the browser (tables,
    chart data, downloads) goes through here, so an id such as a PSA company code never shows on a shared screen.
    A download made when clicked runs outside the page's run: pass ``anonymize`` and ``numbers``
    (:func:`alias_numbers`) read during the run.
    """
    anonymize = anonymizing() if anonymize is None else anonymize
    if not anonymize or not isinstance(frame, pd.DataFrame) or "client_id" not in frame.columns:
        return frame
    from grading.anonymize import anonymize_frame

    return anonymize_frame(frame, alias_numbers() if numbers is None else numbers, name_columns=(), hide_ids=True)


def dataframe(
    cache_key: tuple[Hashable, ...], frame: pd.DataFrame | Callable[[], pd.DataFrame], /, **kwargs: Any
) -> Any:
    """Show ``frame`` with ``st.dataframe``, converted to Arrow once per store revision and ``cache_key``.

    ``st.dataframe`` converts a pandas frame to Arrow on every rerun (two thirds of its cost); handed an Arrow
    table it only serializes it. The conversion is the same ``pyarrow.Table.from_pandas`` Streamlit makes, so the
    table looks the same, index included. ``cache_key`` follows the rules of :func:`computed` and must name
    everything the frame's values depend on (filters, anonymizing); ``frame`` may be a function, called only when no
    table is kept. ``kwargs`` (``key`` included) go to ``st.dataframe``, whose return value (a selection) is
    returned.
    """
    anonymize = anonymizing()
    # Ids become alias ids on the way out while anonymizing (hide_ids): part of the key, whatever the caller's is.
    table = computed(("arrow-table", anonymize, *cache_key), lambda: pa.Table.from_pandas(
        hide_ids(frame() if callable(frame) else frame, anonymize)))
    return st.dataframe(table, **kwargs)
