"""Wijkpeil's small error hierarchy. Messages name the offending value and the next step.

Every error carries an English message (logs, CLI) and, optionally, a ``key`` and ``params`` so a
page can show the same error in the reader's language (``pages.i18n.error_text``)::

    raise IndicatorError(
        f"unknown indicator {x!r}; choose one of {valid}",
        key="err_unknown_indicator", value=x, valid=", ".join(valid),
    )

Messages never contain internal file-system paths when the error can reach a web page; CLI-only
errors may name the file and the fix.
"""

from __future__ import annotations


class WijkpeilError(Exception):
    """Base class of every error Wijkpeil raises on purpose."""

    def __init__(self, message: str = "", *, key: str | None = None, **params: object) -> None:
        super().__init__(message)
        self.key = key
        self.params = params


class DownloadError(WijkpeilError):
    """A publisher (CBS, PDOK, Leefbaarometer) could not be reached or sent a bad response."""


class InputError(WijkpeilError):
    """A file, table id, column or parameter given to Wijkpeil is not what it expects."""


class StoreError(WijkpeilError):
    """The local store is missing, incomplete or corrupt."""


class GeoError(WijkpeilError):
    """Boundary data is unusable (bad file, CRS mismatch, unknown code)."""


class IndicatorError(WijkpeilError):
    """An unknown indicator, a year out of range, or a level without data was requested."""
