"""Page view models: what a page shows, shaped from the library's results, one module per page that needs one.

Nothing here draws a widget or imports Streamlit; ``pages/*.py`` lay out widgets around these results.
"""
