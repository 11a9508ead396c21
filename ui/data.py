"""Cached reads for the pages: computed frames are kept per store revision, so a rerun that changes no data
costs no recomputation, and a write by any session shows on every session's next rerun.

A kept value is asked for by the function that makes it and its arguments, ``computed(fn, *args)``, never by a key
written out beside a closure: the key is the function's qualified name and its arguments (:func:`key_of`), plus the
book, the store revision and the active model. A frame handed out here (:func:`portfolio`, :func:`computed`)
remembers which kept value it is, so it can be an argument in turn; any other frame is refused as an argument.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Hashable, Mapping
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

import altair as alt
import pandas as pd
import pyarrow as pa
import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from grading.db.store import Store
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

    key = (*_revision_key(), as_of, words)
    handed_out = _kept_portfolios().get(key, explain if words else grade).copy(deep=False)
    # The kept frame's attrs hold what explain_portfolio needs (the model among it); pages never explain, and
    # Streamlit would try to write attrs into every table and chart it converts.
    handed_out.attrs = {}
    _origins.remember(handed_out, ("portfolio", *key))
    return handed_out


def model_state() -> Any:
    """Return :func:`grading.model.suggest.model_state` of the active model (active, none or refused, in words),
    kept per store revision and model file (a file changed on disk is looked at again at the next rerun)."""
    from grading.model.suggest import model_state as state_of

    return computed(state_of, get_store(), get_models_dir())


class _Origins:
    """Which kept value each frame (or frozen dataclass) handed out is, for as long as it lives (by ``id``, dropped
    when it is collected), so that :func:`key_of` can key a computation on it by where it came from."""

    def __init__(self) -> None:
        self._keys: dict[int, Hashable] = {}
        self._lock = threading.Lock()

    def remember(self, frame: Any, key: Hashable) -> None:
        with self._lock:
            known = self._keys.get(id(frame))
            self._keys[id(frame)] = key
        if known is None:
            # CPython calls this while the frame is freed, before its id can be given to another object.
            weakref.finalize(frame, self._forget, id(frame))

    def _forget(self, ident: int) -> None:
        with self._lock:
            self._keys.pop(ident, None)

    def key(self, frame: Any) -> Hashable | None:
        with self._lock:
            return self._keys.get(id(frame))


_origins = _Origins()


def _function_key(fn: Callable[..., Any]) -> Hashable:
    """The module and qualified name of ``fn``; a ``functools.partial`` adds its arguments.

    Refused: a lambda or a nested function (what it captures would not be part of the key) and a function of a page
    script (it reads the page's variables, which would not be either).
    """
    if isinstance(fn, functools.partial):
        return ("partial", _function_key(fn.func), key_of(fn.args), key_of(fn.keywords))
    name = getattr(fn, "__qualname__", None)
    module = getattr(fn, "__module__", None)
    if name is None or module is None:
        raise TypeError(f"{fn!r} has no qualified name to key a kept value by; pass a module-level function.")
    if "<lambda>" in name or "<locals>" in name:
        raise TypeError(f"{name} is a lambda or a nested function: what it captures would not be part of the key; "
                        "pass a module-level function and its arguments.")
    if module == "__main__":
        raise TypeError(f"{name} is defined in a page script and may read the page's variables, which would not be "
                        "part of the key; move it to grading/views/ and pass what it reads as arguments.")
    return (module, name)


#: Values that key themselves, and numbers keyed with their type (checked by exact type first: most of what a key
#: holds, and the cheapest test).
_PLAIN = frozenset({str, date})
_NUMBERS = frozenset({int, float, bool})


def _frozen(value: Any) -> bool:
    return bool(getattr(type(value), "__dataclass_params__", None) and type(value).__dataclass_params__.frozen)


def key_of(value: Any) -> Hashable:
    """Return a hashable stand-in for ``value``, to key a kept value by the very objects it is computed from.

    A (frozen) dataclass is keyed by its type and its fields, a mapping by its items (in sorted order), a list or
    tuple as a tuple, recursively; a frame or a frozen dataclass handed out by :func:`portfolio` or
    :func:`computed` by the kept value it is; a store by its file; a function by its qualified name (a
    ``functools.partial`` with its arguments); anything else must be hashable itself. A key made from the objects a computation is given (e.g. the churn
    page's :class:`~grading.simulation.Scenario`) cannot disagree with them, as a tuple written out by hand beside
    the call can.

    Raises
    ------
    TypeError
        ``value`` is (or holds) a frame not handed out here, an array or another unhashable object, or a function
        :func:`computed` refuses.
    """
    if value is None or type(value) in _PLAIN:
        return value
    if type(value) in _NUMBERS:
        # Typed, as functools.lru_cache(typed=True): 1, 1.0 and True are equal keys but may not make equal values.
        return (type(value), value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        origin = _origins.key(value) if _frozen(value) else None
        if origin is not None:
            return ("kept", origin)
        return (f"{type(value).__module__}.{type(value).__qualname__}",
                *((field.name, key_of(getattr(value, field.name))) for field in dataclasses.fields(value)))
    if isinstance(value, Mapping):
        items = [(key_of(key), key_of(item)) for key, item in value.items()]
        try:
            # A mapping's keys are distinct and mostly of one type: sorted by the key alone, without repr (the
            # settings, keyed on every rerun, take a tenth of the time).
            items.sort(key=lambda pair: pair[0])
        except TypeError:
            items.sort(key=repr)
        return ("mapping", *items)
    if isinstance(value, list | tuple):
        return tuple(key_of(item) for item in value)
    if isinstance(value, pd.DataFrame | pd.Series):
        origin = _origins.key(value)
        if origin is None:
            raise TypeError("A frame not handed out by ui.data cannot be a cache key; key by what it is computed "
                            "from (pass the frame computed() returned, or compute it with computed()).")
        return ("frame", origin)
    if isinstance(value, Store):
        return ("store", str(value.path))
    if isinstance(value, Path):
        return ("path", str(value))
    if callable(value) and not isinstance(value, type):
        return ("function", _function_key(value))
    hash(value)
    return value


def _handed_out(value: Any, key: Hashable) -> Any:
    """``value`` as a caller gets it: frames (also inside a tuple) as shallow copies, so a caller cannot change the
    kept one, each remembering the kept value it is; frames in a dataclass's fields (and its dataclasses' fields)
    are remembered as they are."""
    if isinstance(value, pd.DataFrame | pd.Series):
        copy = value.copy(deep=False)
        _origins.remember(copy, key)
        return copy
    if isinstance(value, tuple) and not hasattr(value, "_fields"):
        return tuple(_handed_out(item, (key, position)) for position, item in enumerate(value))
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        # A kept dataclass is handed out as it is (frozen); it, its frames and its dataclasses, at any depth, are
        # remembered in place, so that keying a computation on it does not walk it again.
        if _frozen(value):
            with contextlib.suppress(TypeError):  # a dataclass with __slots__ takes no weak reference
                _origins.remember(value, key)
        for field in dataclasses.fields(value):
            item = getattr(value, field.name)
            if isinstance(item, pd.DataFrame | pd.Series):
                _origins.remember(item, (key, field.name))
            elif dataclasses.is_dataclass(item) and not isinstance(item, type):
                _handed_out(item, (key, field.name))
    return value


def computed(fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
    """Return ``fn(*args, **kwargs)``, computed once per store revision and arguments and shared by every session.

    Parameters
    ----------
    fn : callable
        A module-level function (or a ``functools.partial`` of one): a lambda, a nested function or a page's own
        function is refused, since what it captures would not be part of the key.
    *args, **kwargs
        Its arguments: everything the result depends on besides the stored data. They key the value through
        :func:`key_of`; a frame must have been handed out by :func:`portfolio` or :func:`computed`.

    Returns
    -------
    object
        The value; frames (also inside a tuple) are shallow copies, so a caller cannot change the kept one.

    Raises
    ------
    TypeError
        ``fn`` is refused, or an argument cannot be keyed (see :func:`key_of`).
    """
    key = (*_revision_key(), _function_key(fn), key_of(args), key_of(kwargs))
    return _handed_out(_kept_values().get(key, lambda: fn(*args, **kwargs)), key)


try:
    # What st.altair_chart makes of a chart: the validated spec with its data already in Arrow. It is private to
    # Streamlit (pinned in requirements.txt); should a release drop it, charts are shown the ordinary way.
    from streamlit.elements.vega_charts import _convert_altair_to_vega_lite_spec
except ImportError:  # pragma: no cover - depends on the Streamlit release
    _convert_altair_to_vega_lite_spec = None


def _chart_spec(build: Callable[[], alt.TopLevelMixin]) -> dict:
    return _convert_altair_to_vega_lite_spec(build())


def altair_chart(build: Callable[[], alt.TopLevelMixin], /, **kwargs: Any) -> Any:
    """Show the Altair chart ``build()`` returns, building and validating it once per store revision and ``build``.

    ``st.altair_chart`` converts and validates a chart on every rerun (20-45% of a page's rerun); the spec it
    would make is kept instead, and shown with ``st.vega_lite_chart`` (the same element). ``build`` is a chart
    builder with its arguments, ``functools.partial(grade_mix_chart, mix, currency="EUR")``, keyed as
    :func:`computed` keys a function and its arguments; ``kwargs`` go to ``st.vega_lite_chart`` (e.g. ``width``,
    or ``on_select`` and ``key`` for a chart that selects), whose return value (the selection, with
    ``on_select``) is returned.
    """
    if _convert_altair_to_vega_lite_spec is None:
        return st.altair_chart(build(), **kwargs)
    return st.vega_lite_chart(spec=chart_spec(build), **kwargs)


def chart_spec(build: Callable[[], alt.TopLevelMixin]) -> dict | None:
    """Return the Vega-Lite spec :func:`altair_chart` shows for ``build`` (kept per store revision and ``build``),
    or None when this Streamlit release offers no converter. The warm-up makes it before the first page asks."""
    if _convert_altair_to_vega_lite_spec is None:
        return None
    return computed(_chart_spec, build)


def alias_numbers() -> dict[str, int]:
    """Return the book's stored alias numbers by client id (:mod:`grading.anonymize`), read once per revision."""
    from grading.anonymize import stored_aliases

    return computed(stored_aliases, get_store())


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


def _arrow_table(frame: pd.DataFrame | Callable[[], pd.DataFrame], anonymize: bool) -> pa.Table:
    return pa.Table.from_pandas(hide_ids(frame() if callable(frame) else frame, anonymize))


def dataframe(frame: pd.DataFrame | Callable[[], pd.DataFrame], /, **kwargs: Any) -> Any:
    """Show ``frame`` with ``st.dataframe``, converted to Arrow once per store revision and ``frame``.

    ``st.dataframe`` converts a pandas frame to Arrow on every rerun (two thirds of its cost); handed an Arrow
    table it only serializes it. The conversion is the same ``pyarrow.Table.from_pandas`` Streamlit makes, so the
    table looks the same, index included. ``frame`` is a frame handed out by :func:`computed` (keyed by where it
    came from) or a function with its arguments that makes one (a ``functools.partial``, keyed as :func:`computed`
    keys it). ``kwargs`` (``key`` included) go to ``st.dataframe``, whose return value (a selection) is returned.
    """
    # Ids become alias ids on the way out while anonymizing (hide_ids): part of the key, whatever the frame's is.
    return st.dataframe(arrow_table(frame, anonymizing()), **kwargs)


def arrow_table(frame: pd.DataFrame | Callable[[], pd.DataFrame], anonymize: bool) -> pa.Table:
    """Return ``frame`` in Arrow as :func:`dataframe` shows it (ids hidden when ``anonymize``), kept per store
    revision and ``frame``. The warm-up makes it before the first page asks."""
    return computed(_arrow_table, frame, anonymize)
