"""Wijkpeil's small error hierarchy. Messages name the offending value and the next step."""

from __future__ import annotations


class WijkpeilError(Exception):
    """Base class of every error Wijkpeil raises on purpose."""


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
