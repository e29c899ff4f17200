"""All component ids in one place."""

MAP = "map-graph"
INDICATOR = "map-indicator"
YEAR = "map-year"
LANG = "lang"
URL = "url"
SOURCE = "map-source"
TABLE = "map-table"
