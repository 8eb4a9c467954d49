"""How info-hub's read models write times and JSON into their text columns: one zone and one precision, so the text
columns sort as the moments do; JSON with Japanese kept as it is (an encoder built once: `json.dumps(...,
ensure_ascii=False)` builds one per call, with the same output)."""

from __future__ import annotations

import json
from datetime import datetime

from kyodo_shared.domain.calendar import TOKYO

to_json = json.JSONEncoder(ensure_ascii=False).encode


def tokyo_text(moment: datetime) -> str:
    return moment.astimezone(TOKYO).isoformat(timespec="seconds")
