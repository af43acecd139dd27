"""Regenerate ``sanctio/data/token_freq.json``: how common each name part is on the lists.

The scorer weighs a name part by its rarity. Inside a Screener the rarity comes from the
lists it screens against; this table is the prior used where no index is at hand (a
pairwise ``compare_names``) and for query parts the index has never seen. It holds only
counts of normalised name parts seen in at least ``--min-df`` listings, no names.

    SANCTIO_HOME=/tmp/x sanctio update --from ../shared/data/lists
    SANCTIO_HOME=/tmp/x python scripts/token_frequencies.py
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path

from sanctio.normalize import analyze
from sanctio.store import Store

OUT = Path(__file__).resolve().parent.parent / "sanctio" / "data" / "token_freq.json"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--min-df", type=int, default=3)
    args = parser.parse_args()
    df: Counter[str] = Counter()
    total = 0
    with Store() as store:
        for entity in store.all_entities():
            total += 1
            seen: set[str] = set()
            for name in entity.names:
                for tokens in analyze(name.full, entity.schema):
                    seen.update(t.text for t in tokens)
            df.update(seen)
    table = {t: n for t, n in sorted(df.items()) if n >= args.min_df}
    OUT.write_text(json.dumps({"entities": total, "df": table}, separators=(",", ":")) + "\n")
    print(f"{len(table):,} tokens from {total:,} entities -> {OUT}")


if __name__ == "__main__":
    main()
