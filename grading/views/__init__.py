"""Page view models: what a page shows, shaped from the library's results, one module per page that needs one, named
after the page; :mod:`grading.views.client_card` is the client card two pages show, and
:mod:`grading.views.shared` what several pages' views share.

Nothing here draws a widget or imports Streamlit; ``pages/*.py`` lay out widgets around these results, and the app
keeps what these functions return with ``ui.data.computed(fn, *args)``, keyed by the function and its arguments.
"""
