"""Local publishers for the online tests: CBS OData + dataderden (one server), PDOK and the
Leefbaarometer zip, serving every KWB year 2012-2024 and 47018NED for two gemeenten with GENERATED
values in CBS's formats (test fixtures), the real shared boundaries and the real Leefbaarometer CSV.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from tests.lbm_server import LbmServer
from tests.odata_server import KWB_IDS, ODataServer, crime_table, kwb_table
from tests.pdok_server import PdokServer, gebiedsindeling_feature

GEMEENTEN = ("GM0034", "GM0599")
YEARS = range(2012, 2025)


def start_servers(shared_dir: Path, gemeenten: tuple[str, ...] = GEMEENTEN) -> dict:
    tabs = {KWB_IDS[y]: kwb_table(y, shared_dir, gemeenten=gemeenten) for y in YEARS}
    tabs["47018NED"] = crime_table(shared_dir, gemeenten=gemeenten)
    od = ODataServer(tabs, page_size=2000).start()
    ind = {}
    codes = ("statcode", "wijkcode", "gemeentecode")
    for y in YEARS:
        for lv, fname in (("WK", "wijk"), ("GM", "gemeente")):
            p = shared_dir / "geo" / f"{fname}_{y}.geojson"
            p = p if p.exists() else shared_dir / "geo" / f"{fname}_2024.geojson"
            feats = json.loads(p.read_text(encoding="utf-8"))["features"]
            prefix = tuple(lv + g[2:6] for g in gemeenten)
            feats = [f for f in feats if str(next(v for k, v in f["properties"].items()
                                                  if k in codes)).startswith(prefix)]  # fmt: skip
            ind[(y, lv)] = [gebiedsindeling_feature(f, y, i, lv) for i, f in enumerate(feats)]
    pdok = PdokServer(indelingen=ind)
    pdok_url = pdok.start()
    lbm = LbmServer((shared_dir / "lbm" / "wijk_scores_2002_2024.csv").read_bytes())
    lbm_url = lbm.start()
    return {"odata": od, "tables": tabs, "pdok": pdok, "pdok_url": pdok_url, "lbm": lbm,
            "lbm_url": lbm_url}  # fmt: skip


def env_for(servers: dict, data: Path, shared: Path, **extra: str) -> dict:
    """The environment of a Wijkpeil process that reads these servers (and ``shared``)."""
    return dict(
        os.environ,
        WIJKPEIL_DATA_DIR=str(data),
        WIJKPEIL_SHARED_DIR=str(shared),
        WIJKPEIL_CBS_CATALOG=servers["odata"].host,
        WIJKPEIL_POLICE_CATALOG=servers["odata"].host,
        WIJKPEIL_USE_HTTPS="0",
        WIJKPEIL_PDOK_URL=servers["pdok_url"].rstrip("/"),
        WIJKPEIL_LBM_URL=servers["lbm_url"],
        WIJKPEIL_HTTP_BACKOFF="0.05",
        WIJKPEIL_HTTP_BACKOFF_CAP="0.2",
        WIJKPEIL_PROGRESS_BARS="off",
        **extra,
    )
