"""Resilient HTTP for the online loaders: one ``requests.Session``, retries over minutes, clear 4xx.

What is retried (transient): connection resets and refusals, timeouts, bodies cut short
(``ChunkedEncodingError`` / ``IncompleteRead``), gzip that does not decode, HTTP 5xx, HTTP 429,
and — for :meth:`Client.get_json` — bodies that are not valid JSON (a truncated page).
Waits follow "exponential backoff with full jitter" (wait = uniform(0, min(cap, base·2^n)),
AWS Architecture Blog, "Exponential Backoff And Jitter", 2015): the first waits are short, later
ones up to ``settings.http_backoff_cap`` seconds, and retrying stops when the request has used
``settings.http_retries`` attempts or its waits would exceed ``settings.http_retry_budget``
seconds (default 15 minutes: CBS users reported connection resets and an outage of hours, see
issue 14). A ``Retry-After`` header on 429/503 (RFC 9110 §10.2.3, seconds or an HTTP date) is
honoured instead of the computed wait.

What is not retried: any other 4xx. It becomes :class:`HttpError` (a DownloadError) whose message
carries the server's own explanation — for CBS OData the ``odata.error.message.value`` of the
JSON error body — so "unknown table" (404) and "rejected $filter/$select" (400) read as such.

gzip: ``requests`` asks for ``Accept-Encoding: gzip, deflate`` and decodes the body; the byte
counts reported are the bytes received on the wire (``Content-Length`` or the raw stream).
"""

from __future__ import annotations

import email.utils
import json
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import requests

import settings as _settings
from errors import DownloadError

Say = Callable[[str], None]
USER_AGENT = "Wijkpeil (open-source wijk dashboard; +https://github.com/) python-requests"


class HttpError(DownloadError):
    """A response the server will not change by asking again (4xx other than 429) or the last
    failure after retries ran out. ``status`` is None for network failures."""

    def __init__(self, message: str, *, url: str, status: int | None, server_message: str = "",
                 attempts: int = 1) -> None:  # fmt: skip
        super().__init__(message, key="err_download", url=url, status=status)
        self.url = url
        self.status = status
        self.server_message = server_message
        self.attempts = attempts


class _Transient(Exception):
    """Internal: a failure worth retrying (carries an optional Retry-After in seconds)."""

    def __init__(self, reason: str, retry_after: float | None = None, status: int | None = None):
        super().__init__(reason)
        self.retry_after = retry_after
        self.status = status


@dataclass
class Stats:
    """What one client did: requests sent, bytes received, retries and their total wait."""

    requests: int = 0
    bytes: int = 0
    retries: int = 0
    waited: float = 0.0
    statuses: dict[str, int] = field(default_factory=dict)

    def count(self, outcome: str) -> None:
        self.statuses[outcome] = self.statuses.get(outcome, 0) + 1


def server_message(body: bytes | str | None) -> str:
    """The human part of an error body: CBS/OData ``odata.error.message.value``, an OGC API
    ``description``/``detail``, or the first 300 characters of the text."""
    if not body:
        return ""
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else str(body)
    try:
        doc = json.loads(text)
    except ValueError:
        return " ".join(text.split())[:300]
    if isinstance(doc, dict):
        err = doc.get("odata.error") or doc.get("error")
        if isinstance(err, dict):
            msg = err.get("message")
            if isinstance(msg, dict):
                return str(msg.get("value", ""))[:300]
            if msg:
                return str(msg)[:300]
        for k in ("detail", "description", "title", "message"):
            if doc.get(k):
                return str(doc[k])[:300]
    return " ".join(text.split())[:300]


def retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP-date); None if absent/bad."""
    if not value:
        return None
    v = value.strip()
    if v.isdigit():
        return float(v)
    try:
        when = email.utils.parsedate_to_datetime(v)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


class Client:
    """A session with the retry policy above. One per download job; not shared across threads."""

    def __init__(
        self,
        settings: _settings.Settings | None = None,
        *,
        say: Say | None = None,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
    ) -> None:
        self.s = settings or _settings.get()
        self.say = say or (lambda m: None)
        self.sleep = sleep
        self.rng = rng or random.Random()
        self.stats = Stats()
        self.session = requests.Session()
        self.session.headers.update({"User-Agent": USER_AGENT, "Accept-Encoding": "gzip, deflate"})

    def close(self) -> None:
        self.session.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ policy
    def backoff(self, attempt: int) -> float:
        """Full-jitter wait before retry number ``attempt`` (1-based)."""
        ceiling = min(
            float(self.s.http_backoff_cap), float(self.s.http_backoff) * 2 ** (attempt - 1)
        )
        return self.rng.uniform(0.0, max(0.0, ceiling))

    def _run(self, what: str, url: str, once: Callable[[], object]) -> object:
        attempts = max(1, int(self.s.http_retries))
        waited = 0.0
        last = ""
        last_status: int | None = None
        for attempt in range(1, attempts + 1):
            try:
                return once()
            except _Transient as exc:
                last = str(exc)
                last_status = exc.status
                if attempt == attempts:
                    break
                delay = exc.retry_after if exc.retry_after is not None else self.backoff(attempt)
                if waited + delay > float(self.s.http_retry_budget):
                    last += f" (next wait {delay:.0f} s would exceed the retry budget)"
                    break
                self.stats.retries += 1
                self.stats.waited += delay
                waited += delay
                self.say(
                    f"{what}: attempt {attempt}/{attempts} failed ({exc}); retrying in {delay:.1f} s"
                )
                self.sleep(delay)
        raise HttpError(
            f"{what}: {url} failed after {attempt} attempt(s) over {waited:.0f} s of waiting; "
            f"last error: {last}. Nothing of this request was cached; run again later (finished "
            "pages are kept), or allow longer waits with WIJKPEIL_HTTP_RETRY_BUDGET / "
            "WIJKPEIL_HTTP_RETRIES",
            url=url,
            status=last_status,
            attempts=attempt,
        )

    # ------------------------------------------------------------------ requests
    def _send(self, url: str, params: dict | None, headers: dict | None, stream: bool):
        self.stats.requests += 1
        try:
            r = self.session.get(
                url,
                params=params,
                headers=headers,
                timeout=float(self.s.http_timeout),
                stream=stream,
            )
        except requests.Timeout as exc:
            self.stats.count("timeout")
            raise _Transient(
                f"timeout after {self.s.http_timeout:.0f} s ({type(exc).__name__})"
            ) from exc
        except (
            requests.exceptions.ChunkedEncodingError,
            requests.exceptions.ContentDecodingError,
        ) as exc:
            self.stats.count("cut")
            raise _Transient(f"body cut short ({type(exc).__name__})") from exc
        except requests.ConnectionError as exc:
            self.stats.count("connection")
            raise _Transient(f"connection failed ({type(exc).__name__}: {str(exc)[:120]})") from exc
        self.stats.count(str(r.status_code))
        return r

    def _check_status(self, r: requests.Response, what: str) -> None:
        if r.status_code < 400:
            return
        try:
            body = r.content
        except requests.RequestException:
            body = b""
        msg = server_message(body)
        if r.status_code == 429 or r.status_code >= 500:
            ra = retry_after(r.headers.get("Retry-After"))
            raise _Transient(
                f"HTTP {r.status_code}" + (f": {msg}" if msg else ""), ra, r.status_code
            )
        hint = {
            404: "the server does not know this resource (unknown table, entity set or year)",
            400: "the server rejected the request (an unknown field or a $filter/$select it does "
            "not support)",
            401: "the server asks for credentials; the open-data address may have moved",
            403: "the server refuses access; the open-data address may have moved",
        }.get(r.status_code, "the request is not acceptable to the server")
        raise HttpError(
            f"{what}: HTTP {r.status_code} from {r.url}: {hint}"
            + (f"; server says: {msg}" if msg else ""),
            url=r.url,
            status=r.status_code,
            server_message=msg,
        )

    def _body(self, r: requests.Response) -> bytes:
        try:
            data = r.content
        except (requests.exceptions.ChunkedEncodingError, requests.exceptions.ContentDecodingError,
                requests.ConnectionError) as exc:  # fmt: skip
            self.stats.count("cut")
            raise _Transient(f"body cut short ({type(exc).__name__})") from exc
        wire = r.headers.get("Content-Length")
        self.stats.bytes += int(wire) if wire and wire.isdigit() else len(data)
        return data

    def get_json(
        self, url: str, params: dict | None = None, *, what: str = "download"
    ) -> tuple[object, bytes]:
        """GET ``url`` and parse JSON, retrying transient failures. Returns (document, raw body)."""

        def once() -> tuple[object, bytes]:
            r = self._send(url, params, {"Accept": "application/json"}, stream=False)
            self._check_status(r, what)
            body = self._body(r)
            try:
                return json.loads(body), body
            except ValueError as exc:
                self.stats.count("bad-json")
                raise _Transient(f"response is not complete JSON ({str(exc)[:80]})") from exc

        return self._run(what, url, once)  # type: ignore[return-value]

    def head_ok(self, url: str) -> tuple[bool, str]:
        """One cheap request (HEAD, no retries): (reachable and not 4xx/5xx, reason)."""
        self.stats.requests += 1
        try:
            r = self.session.head(url, timeout=float(self.s.http_timeout), allow_redirects=True)
        except requests.RequestException as exc:
            return False, f"{type(exc).__name__}: {str(exc)[:160]}"
        if r.status_code == 405:  # HEAD not allowed: assume reachable
            return True, "HEAD not allowed"
        return r.status_code < 400, f"HTTP {r.status_code}"

    def download(self, url: str, dest: Path, *, what: str = "download",
                 on_bytes: Callable[[int, int | None], None] | None = None) -> Path:  # fmt: skip
        """Stream ``url`` to ``dest`` (via ``dest.part``), resuming a partial file with ``Range``.

        A server that ignores Range (200 instead of 206) makes the download start over. The
        ``.part`` file survives failures (so the next run resumes); ``dest`` only appears when
        complete (Content-Length checked when given).
        """
        part = dest.with_name(dest.name + ".part")
        dest.parent.mkdir(parents=True, exist_ok=True)

        def once() -> Path:
            have = part.stat().st_size if part.exists() else 0
            headers = {"Range": f"bytes={have}-"} if have else {}
            r = self._send(url, None, headers, stream=True)
            if r.status_code == 416:  # already complete
                r.close()
                part.replace(dest)
                return dest
            self._check_status(r, what)
            mode = "ab" if (have and r.status_code == 206) else "wb"
            done = have if mode == "ab" else 0
            total = r.headers.get("Content-Length")
            total_n = (int(total) + done) if total and total.isdigit() else None
            try:
                with open(part, mode) as fh:
                    for chunk in r.raw.stream(1 << 16, decode_content=False):
                        fh.write(chunk)
                        done += len(chunk)
                        self.stats.bytes += len(chunk)
                        if on_bytes:
                            on_bytes(done, total_n)
            except Exception as exc:  # requests, urllib3 (ProtocolError, ReadTimeout) and OSError
                self.stats.count("cut")
                raise _Transient(
                    f"body cut short after {done:,} bytes ({type(exc).__name__})"
                ) from exc
            if total_n is not None and done != total_n:
                raise _Transient(f"got {done:,} of {total_n:,} bytes")
            part.replace(dest)
            return dest

        return self._run(what, url, once)  # type: ignore[return-value]
