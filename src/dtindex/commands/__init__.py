"""Command groups of the ``dtindex`` CLI that live outside ``cli.py``.

Each module here defines a click command or group named ``command``;
:func:`dtindex.cli.main` registers every module listed in :data:`MODULES`.
Commands stay thin: parse arguments, call the library, print.
"""

MODULES = ("demo", "report", "uncertainty", "survey", "engine", "fuzzy", "decision", "serve", "stats", "init", "regional", "future")
