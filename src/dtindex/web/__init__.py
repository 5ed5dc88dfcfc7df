"""The local dashboard: ``dtindex serve`` over a release folder or a folder of releases.

:func:`~dtindex.web.app.create_app` builds the FastAPI application (JSON API, HTML pages
rendered with the report machinery, downloads); :mod:`.releases` loads releases and keeps
their analysis tables in memory; :mod:`.queries` shapes the data; :mod:`.pages` builds the
pages; :mod:`.params` validates every request parameter. See ``docs/serve.md``.
FastAPI is imported only when the app is created.
"""

from __future__ import annotations


def create_app(path, **options):
    """The dashboard app over the release(s) at ``path`` (see :func:`dtindex.web.app.create_app`)."""
    from .app import create_app as _create

    return _create(path, **options)


__all__ = ["create_app"]
