"""The dashboard as an ASGI application (FastAPI): JSON API, HTML pages, downloads, static files.

:func:`create_app` takes a release folder (or a folder of releases) and returns the
app; ``dtindex serve`` runs it with uvicorn. Read-only: the app only reads the
release files loaded at start-up. Every parameter is validated against the release
(:mod:`dtindex.web.params`); static files are served from a fixed list of names, so
no request can reach another file. Responses carry a Content-Security-Policy that
allows nothing but this server, so a page cannot load anything from elsewhere.

API (see docs/serve.md): ``/api/health``, ``/api/releases``, ``/api/periods``,
``/api/rankings``, ``/api/units/{uCode}``, ``/api/overview``, ``/api/industry``,
``/api/methodology``, ``/api/compare``. Pages: ``/``, ``/rankings``, ``/city/{uCode}``,
``/industry``, ``/methodology``, ``/compare``; each page's JSON twin is the same URL
with ``format=json``. Downloads: ``/download/rankings.csv`` and ``.xlsx``.
"""

from __future__ import annotations

import io
import threading
from collections import OrderedDict
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, JSONResponse, Response

from ..errors import DtindexError
from ..io.tables import csv_text
from . import pages as PG
from . import params as P
from . import queries as Q
from .releases import ReleaseView, open_releases

CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
       "connect-src 'self'; font-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; "
       "frame-ancestors 'none'")
STATIC = {
    "echarts.min.js": ("dtindex.report", "vendor/echarts.min.js", "text/javascript; charset=utf-8"),
    "runtime.js": ("dtindex.report", "templates/runtime.js", "text/javascript; charset=utf-8"),
    "dashboard.js": ("dtindex.web", "templates/dashboard.js", "text/javascript; charset=utf-8"),
    "dashboard.css": ("dtindex.web", "templates/dashboard.css", "text/css; charset=utf-8"),
}
CACHE_SIZE = 4096


class ResponseCache:
    """Encoded responses keyed by their validated parameters (least recently used dropped first)."""

    def __init__(self, size: int = CACHE_SIZE) -> None:
        self.size = size
        self._data: OrderedDict[tuple, bytes] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple) -> bytes | None:
        with self._lock:
            value = self._data.get(key)
            if value is not None:
                self._data.move_to_end(key)
            return value

    def put(self, key: tuple, value: bytes) -> bytes:
        with self._lock:
            self._data[key] = value
            self._data.move_to_end(key)
            while len(self._data) > self.size:
                self._data.popitem(last=False)
        return value


class SecurityHeaders:
    """ASGI middleware adding the Content-Security-Policy and related headers to every response."""

    STATIC = [(b"cache-control", b"max-age=3600")]
    OTHER = [(b"cache-control", b"no-store")]
    COMMON = [(b"content-security-policy", CSP.encode()), (b"x-content-type-options", b"nosniff"),
              (b"referrer-policy", b"no-referrer")]

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = self.COMMON + (self.STATIC if scope["path"].startswith("/static/") else self.OTHER)

        async def send_with_headers(message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _json(body: bytes, status: int = 200) -> Response:
    return Response(body, status_code=status, media_type="application/json")


def create_app(path: str | Path, *, warm: bool = True) -> FastAPI:
    """The dashboard app over the release(s) at ``path``; ``warm`` computes the default tables in the background."""
    views = open_releases(path)
    default = next(iter(views))
    cache = ResponseCache()
    static = {name: (resources.files(pkg) / rel).read_bytes() for name, (pkg, rel, _) in STATIC.items()}

    app = FastAPI(title="dtindex dashboard", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.views = views

    def view_of(key: str | None) -> ReleaseView:
        if key is None or key == "":
            return views[default]
        return views[P.choice("release", key, list(views))]

    app.add_middleware(SecurityHeaders)

    @app.exception_handler(P.ParamError)
    @app.exception_handler(P.NotFound)
    async def param_error(request: Request, exc: P.ParamError | P.NotFound):
        status = exc.status_code
        if request.url.path.startswith("/api/") or request.query_params.get("format") == "json":
            body: dict[str, Any] = {"detail": str(exc)}
            if isinstance(exc, P.ParamError):
                body["param"] = exc.param
            return JSONResponse(body, status_code=status)
        lang = request.query_params.get("lang") if request.query_params.get("lang") in P.LANGS else "zh"
        return HTMLResponse(PG.error_page(str(exc), status, lang), status_code=status)

    @app.exception_handler(DtindexError)
    async def release_error(request: Request, exc: DtindexError):
        """A release file the page needs cannot be used (e.g. a malformed survey export): say which and why."""
        if request.url.path.startswith("/api/") or request.query_params.get("format") == "json":
            return JSONResponse({"detail": str(exc)}, status_code=500)
        lang = request.query_params.get("lang") if request.query_params.get("lang") in P.LANGS else "zh"
        return HTMLResponse(PG.error_page(str(exc), 500, lang), status_code=500)

    # ------------------------------------------------------------------ API
    @app.get("/api/health")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/api/releases")
    async def releases_api() -> Response:
        return _json(Q.dumps(Q.releases_list(views)))

    @app.get("/api/periods")
    async def periods_api(release: str | None = None) -> Response:
        return _json(Q.dumps(list(view_of(release).periods)))

    def rankings_key(q: dict[str, str]) -> tuple[ReleaseView, dict[str, Any]]:
        view = view_of(q.get("release"))
        kw = {"period": view.period(q.get("period")), "node": view.node(q.get("node")),
              "limit": P.limit(q.get("limit")), "province": view.group("province", q.get("province")),
              "tier": view.group("tier", q.get("tier")), "cluster": view.group("cluster", q.get("cluster")),
              "sort": P.choice("sort", q.get("sort") or "rank", P.SORTS)}
        return view, kw

    async def cached(key: tuple, compute: Callable[[], bytes]) -> Response:
        body = cache.get(key)
        if body is None:
            body = cache.put(key, await run_in_threadpool(compute))
        return _json(body)

    @app.get("/api/rankings")
    async def rankings_api(request: Request) -> Response:
        raw = ("rankings-raw", request.scope.get("query_string", b""))
        body = cache.get(raw)  # the same query string as before: no validation needed again
        if body is None:
            view, kw = rankings_key(dict(request.query_params))
            body = cache.get(("rankings", view.key, *sorted(kw.items())))
            if body is None:
                body = cache.put(("rankings", view.key, *sorted(kw.items())),
                                 await run_in_threadpool(lambda: Q.dumps(Q.rankings(view, **kw))))
            cache.put(raw, body)
        return _json(body)

    @app.get("/api/units/{code}")
    async def unit_api(code: str, request: Request) -> Response:
        q = request.query_params
        view = view_of(q.get("release"))
        unit = view.unit(code)
        period = view.period(q.get("period"))
        peers = tuple(P.code_list("peers", q.get("peers"), view.units, P.MAX_PEERS))
        return await cached(("unit", view.key, unit, period, peers),
                            lambda: Q.dumps(Q.unit_profile(view, unit, period=period, peers=list(peers))))

    @app.get("/api/overview")
    async def overview_api(request: Request) -> Response:
        view = view_of(request.query_params.get("release"))
        period = view.period(request.query_params.get("period"))
        return await cached(("overview", view.key, period), lambda: Q.dumps(Q.overview(view, period)))

    @app.get("/api/industry")
    async def industry_api(request: Request) -> Response:
        q = request.query_params
        view = view_of(q.get("release"))
        period = view.period(q.get("period"))
        code = PG.industry_code(view, q.get("industry"))
        return await cached(("industry", view.key, period, code), lambda: Q.dumps(Q.industry(view, period, code)))

    @app.get("/api/methodology")
    async def methodology_api(release: str | None = None) -> Response:
        view = view_of(release)
        return await cached(("methodology", view.key), lambda: Q.dumps(Q.methodology(view)))

    @app.get("/api/uncertainty")
    async def uncertainty_api(release: str | None = None) -> Response:
        view = view_of(release)
        return await cached(("uncertainty", view.key), lambda: Q.dumps(Q.uncertainty(view)))

    @app.get("/api/survey")
    async def survey_api(request: Request) -> Response:
        q = request.query_params
        view = view_of(q.get("release"))
        lang = P.choice("lang", q.get("lang") or "zh", P.LANGS)
        question, by = q.get("question") or "", q.get("by") or ""
        return await cached(("survey", view.key, question, by, lang),
                            lambda: Q.dumps(Q.survey_table(view, question, by or None, lang)))

    @app.get("/api/compare")
    async def compare_api(request: Request) -> Response:
        a, b, period, node = PG.compare_params(views, default, dict(request.query_params))
        return await cached(("compare", a.key, b.key, period, node), lambda: Q.dumps(Q.compare(a, b, period, node)))

    # ------------------------------------------------------------------ pages
    def page(name: str, builder: Callable[..., PG.Page]):
        async def handler(request: Request, code: str | None = None) -> Response:
            q = {k: ",".join(request.query_params.getlist(k)) for k in request.query_params.keys()}
            fmt = P.choice("format", q.get("format") or "html", ("html", "json"))
            result = await run_in_threadpool(builder, views, default, q, code) if code is not None else \
                await run_in_threadpool(builder, views, default, q)
            if fmt == "json":
                return _json(Q.dumps(result.data))
            return HTMLResponse(result.html)
        handler.__name__ = f"page_{name}"
        return handler

    app.get("/", response_class=HTMLResponse)(page("overview", PG.overview_page))
    app.get("/rankings", response_class=HTMLResponse)(page("rankings", PG.rankings_page))
    app.get("/city/{code}", response_class=HTMLResponse)(page("city", PG.city_page))
    app.get("/industry", response_class=HTMLResponse)(page("industry", PG.industry_page))
    app.get("/methodology", response_class=HTMLResponse)(page("methodology", PG.methodology_page))
    app.get("/uncertainty", response_class=HTMLResponse)(page("uncertainty", PG.uncertainty_page))
    app.get("/survey", response_class=HTMLResponse)(page("survey", PG.survey_page))
    app.get("/compare", response_class=HTMLResponse)(page("compare", PG.compare_page))

    @app.get("/download/rankings.{ext}")
    async def download(ext: str, request: Request) -> Response:
        ext = P.choice("format", ext, ("csv", "xlsx"))
        q = dict(request.query_params)
        view, kw = rankings_key({**q, "limit": q.get("limit") or str(P.MAX_LIMIT)})
        lang = P.choice("lang", q.get("lang") or "zh", P.LANGS)
        name = f"rankings-{kw['node']}-{kw['period']}"
        if ext == "csv":
            bom = P.choice("bom", q.get("bom") or "0", ("0", "1")) == "1"
            frame = await run_in_threadpool(Q.ranking_frame, view, **kw)
            body = csv_text(frame).encode("utf-8-sig" if bom else "utf-8")
            media = "text/csv; charset=utf-8"
        else:
            body = await run_in_threadpool(_excel_bytes, PG.rankings_report(view, kw, lang))
            media = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        return Response(body, media_type=media,
                        headers={"Content-Disposition": f'attachment; filename="{name}.{ext}"'})

    @app.get("/static/{name}")
    async def static_file(name: str) -> Response:
        if name not in static:
            raise P.NotFound(f"no static file {name[:80]!r}")
        return Response(static[name], media_type=STATIC[name][2])

    if warm:
        threading.Thread(target=_warm, args=(views,), daemon=True, name="dtindex-warm").start()
    return app


def _excel_bytes(report) -> bytes:
    from ..report.excel import render_excel, save_workbook

    buf = io.BytesIO()
    save_workbook(render_excel(report), buf)
    return buf.getvalue()


def _warm(views: dict[str, ReleaseView]) -> None:
    """Compute the tables the first requests need (root rankings of every period) before they come."""
    try:
        for view in views.values():
            root = view.city.framework.root
            for period in reversed(view.periods):
                view.ranking(root, period)
            view.national()
            view.province_ranks()
    except Exception:  # noqa: BLE001 - warming is an optimisation; the request that needs the table reports the error
        pass
