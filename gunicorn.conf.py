"""gunicorn settings for Wijkpeil (README, Production): ``gunicorn -c gunicorn.conf.py app:server``.

Build first (``python -m loaders build``): requests never build anything. Every value can be
changed on the command line (``gunicorn -c gunicorn.conf.py -w 4 app:server``) or with the
environment variables named below. Reference: https://docs.gunicorn.org/en/stable/settings.html
"""

from __future__ import annotations

import os
import time

_env = os.environ.get

#: HOST/PORT as for ``python app.py`` (settings.py); 127.0.0.1 behind a reverse proxy.
bind = f"{_env('HOST', '127.0.0.1')}:{_env('PORT', '8050')}"

#: 2 processes x 4 threads. The work is CPU-bound pandas/plotly (threads share one GIL), so more
#: processes than cores only adds memory; the threads keep a worker responsive while a request
#: waits on I/O and let one slow client not block the others.
workers = int(_env("WIJKPEIL_WORKERS", "2"))
worker_class = "gthread"
threads = int(_env("WIJKPEIL_THREADS", "4"))

#: Load the app (and, in when_ready, the region list) once in the master before forking: workers
#: share those pages copy-on-write and start ready. Indicator values are read lazily per store
#: version, so workers pick up a new store (python -m loaders update) without a restart and never
#: serve a mix. WIJKPEIL_PRELOAD=0 to compare.
preload_app = _env("WIJKPEIL_PRELOAD", "1") not in ("0", "false", "no")

#: A request that takes longer than this is a bug (every page is < 1 s on prebuilt data); with
#: gthread the timeout watches the worker's main loop, so it catches a hung process.
timeout = int(_env("WIJKPEIL_TIMEOUT", "30"))
#: Time for in-flight requests after SIGTERM/SIGHUP before workers are killed.
graceful_timeout = int(_env("WIJKPEIL_GRACEFUL_TIMEOUT", "30"))
#: Browsers reuse the connection for the callbacks that follow a page load.
keepalive = 5

#: Workers are not recycled by default: every cache is bounded (lru sizes in indicators/ and
#: pages/) and RSS stays flat under load (bench/RESULTS.md), while a recycle of a gthread worker
#: drops the keep-alive connections it holds (`python -m bench load` saw connection errors at
#: each of the 2,000-request restarts). WIJKPEIL_MAX_REQUESTS=N recycles after ~N requests.
max_requests = int(_env("WIJKPEIL_MAX_REQUESTS", "0"))
max_requests_jitter = int(_env("WIJKPEIL_MAX_REQUESTS_JITTER", "200"))

#: Logs to stdout (access) and stderr (errors, app messages); the app logs one line per rejected
#: request and a traceback only for real faults.
accesslog = _env("WIJKPEIL_ACCESS_LOG", "-")
errorlog = _env("WIJKPEIL_ERROR_LOG", "-")
loglevel = _env("WIJKPEIL_LOG_LEVEL", "info")
#: The app's own log lines (pages/_server.py writes to stderr) go to the same error log file.
capture_output = True
#: client, request line, status, bytes, milliseconds, worker pid, user agent
access_log_format = '%(h)s "%(r)s" %(s)s %(B)s %(M)sms pid=%(p)s "%(a)s"'

#: Same limit as pages/_routes.MAX_QUERY (longer URLs are refused with 414 by the app).
limit_request_line = 4094

#: glibc gives every thread that allocates its own malloc arena (up to 8 per core) and keeps what
#: each one freed: with 4 threads per worker that is tens of MB of RSS per worker under load.
#: Two arenas per process (set here, in the master, before any worker or thread exists; the same
#: as MALLOC_ARENA_MAX=2). WIJKPEIL_MALLOC_ARENAS=0 leaves glibc's default.
_ARENAS = int(_env("WIJKPEIL_MALLOC_ARENAS", "2"))


def _limit_arenas(n: int) -> None:
    if n <= 0:
        return
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").mallopt(-8, n)  # M_ARENA_MAX (malloc.h)
    except (OSError, AttributeError):  # not glibc (musl, macOS): nothing to tune
        pass


_limit_arenas(_ARENAS)


def _dash_setup(wsgi) -> None:  # noqa: ANN001
    """Dash's first-request setup, single-threaded (see pages/_server.first_request)."""
    from pages import _server

    _server.first_request(wsgi)


def post_worker_init(worker) -> None:  # noqa: ANN001
    """In each worker, before it accepts connections (a no-op when the master did it)."""
    _dash_setup(worker.wsgi)


def when_ready(server) -> None:  # noqa: ANN001
    """With preload: Dash's setup and the indicator dataset in the master, before forking."""
    if not preload_app:
        return
    _dash_setup(server.app.wsgi())
    t0 = time.perf_counter()
    try:
        from indicators import dataset, views

        ok, reason = dataset.health()  # checksums once; workers inherit the verified state
        server.log.info("store check: %s", reason)
        rows = len(views.regions())  # the region list (search) and what each level holds
        views.available("WK")
        dataset.index_reference_years()
    except Exception as exc:  # noqa: BLE001 - the workers still start; /healthz says what is wrong
        server.log.error("preload of the indicator dataset failed: %s", exc)
        return
    server.log.info("preloaded %s regions in %.1f s", f"{rows:,}", time.perf_counter() - t0)
