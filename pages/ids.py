"""All component ids in one place (pages and tests import them from here)."""

# app frame
URL = "url"
NAV = "nav"
LANG_SWITCH = "lang-switch"
HEADER = "site-header"
FOOTER = "site-footer"
MAIN = "main"
SKIP_LINK = "skip-link"
TAGLINE = "tagline"
BANNER = "synthetic-banner"
ERROR_PAGE = "error-page"
CALLBACK_ERROR = "map-error"
HTML_LANG = "html-lang"  # dummy output of the clientside <html lang> update
PAGE_TITLE = "page-title"  # the h1 of every page

# map page
MAP = "map-graph"
INDICATOR = "map-indicator"
YEAR = "map-year"
LEVEL = "map-level"
VIEW = "map-view"
TABLE = "map-table"
TABLE_WRAP = "map-table-wrap"
MAP_WRAP = "map-wrap"
SEARCH = "map-search"  # kept for old bookmarks/tests: the region dropdown was replaced by FIND_*
SOURCE = "map-source"
LEGEND_NOTE = "map-legend-note"
EMBED_BUTTON = "embed-button"
EMBED_CODE = "embed-code"
DOWNLOADS = "downloads"
LANG = "page-lang"

# find your wijk
FIND_INPUT = "find-input"
FIND_RESULTS = "find-results"
FIND_STATUS = "find-status"
FIND_PDOK = "find-pdok"  # what the browser got from the PDOK Locatieserver
LOCATIESERVER = "locatieserver-url"

# trends / compare / areas / indices
TREND_GRAPH = "trend-graph"
TREND_INDICATOR = "trend-indicator"
TREND_REGIONS = "trend-regions"
COMPARE_REGIONS = "compare-regions"
COMPARE_INDICATORS = "compare-indicators"
COMPARE_OUT = "compare-out"
AREAS_INDICATOR = "areas-indicator"
AREAS_GRAPH = "areas-graph"
AREA_SELECT = "area-select"
AREA_GRAPH = "area-graph"
AREA_MAP = "area-map"
AREA_CONFIDENCE = "area-confidence"
INDEX_GRAPH = "index-graph"
INDEX_WEIGHTS = "index-weights"
INDEX_REGION = "index-region"
INDEX_KIND = "index-kind"
INDEX_DOWNLOAD = "index-download"
INDEX_DOWNLOAD_BUTTON = "index-download-button"

# per-page variants (an output id may belong to one callback only)
TREND_ERROR = "trend-error"
TREND_DOWNLOADS = "trend-downloads"
TREND_EMBED_CODE = "trend-embed-code"
TREND_EMBED_BUTTON = "trend-embed-button"
AREAS_ERROR = "areas-error"
COMPARE_ERROR = "compare-error"
INDEX_ERROR = "index-error"

# profile
PROFILE_MAP = "profile-map"
PRINT_BUTTON = "print-button"

# data (bulk download) page
DATA_LEVEL = "data-level"
DATA_INDICATORS = "data-indicators"
DATA_YEAR_FROM = "data-year-from"
DATA_YEAR_TO = "data-year-to"
DATA_REGIONS = "data-regions"
DATA_LINKS = "data-links"
DATA_ERROR = "data-error"

# embeds
EMBED_GRAPH = "embed-graph"


def part(graph_id: str, name: str) -> str:
    """Ids of the parts of a chart block: ``<graph>-table``, ``-downloads``, ``-embed`` …"""
    return f"{graph_id}-{name}"


def profile_graph(indicator: str) -> str:
    return f"profile-{indicator}"


def compare_graph(kind: str, indicator: str) -> str:
    return f"compare-{kind}-{indicator}"
