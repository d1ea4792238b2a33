"""How provenance's linking grows with the crawl when the crawl's overlap density is held fixed.

    python benchmarks/provenance_link_growth.py --n 100000 --reuse 20

The crawl is `provenance_crawl.py`'s (planted copies, then 12-line random distractors), but the
distractors draw from a pool of (N - planted) * 12 / reuse lines, so a line recurs about `reuse`
times at every N: the distractors share as many passages with one another at 10,000 documents as
at 100,000. (Drawn from the whole pool, as `provenance_crawl.py` does, they share more the larger
the crawl.) Scoring runs inside one `SentenceEncoder.remembering()` block, so each distinct text
is embedded once for the whole run (the crawl repeats its lines; this is not how `detector score`
runs: it remembers one group at a time), which leaves the scoring cheap and the linking measured
on its own. Prints one JSON line: documents, pool lines, sources, seconds to score and to link,
peak memory. Whole-process figures are in benchmarks/provenance_scale.md.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.provenance_crawl import DOC_LINES, build, distractor_pool, original_of, planted  # noqa: E402
from detector import Detector, TextRecord  # noqa: E402
from training.config import DEFAULT_DATA_DIR  # noqa: E402


def crawl(data_dir: Path, n: int, reuse: float, seed: int = 0) -> tuple[list[TextRecord], int]:
    """The crawl's records, and how many pool lines its distractors draw from."""
    distractors = n - len(planted(data_dir)[: n - n % 2])
    size = min(len(distractor_pool(data_dir)), max(DOC_LINES, round(distractors * DOC_LINES / reuse)))
    return [TextRecord(id=r["id"], text=r["text"]) for r in build(data_dir, n, seed, pool_lines=size)], size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, required=True)
    parser.add_argument("--reuse", type=float, default=20.0, help="how often a distractor line recurs")
    parser.add_argument("--data-dir", default=str(DEFAULT_DATA_DIR))
    args = parser.parse_args()
    records, pool_lines = crawl(Path(args.data_dir), args.n, args.reuse)
    detector = Detector.from_pretrained("evidence-baseline", fingerprints=True)
    started = time.perf_counter()
    with detector.encoder.remembering():
        reports = [report for _, report in detector.score_many(records)]
        scored = time.perf_counter()
        detector.link_sources(reports)
    linked = time.perf_counter()
    copies = [r for r in reports if r.id.startswith("copy:")]
    print(
        json.dumps(
            {
                "documents": len(reports),
                "pool_lines": pool_lines,
                "sentences": sum(len(r.sentences) for r in reports),
                "sources": sum(len(r.sources or []) for r in reports),
                "copies_whose_original_is_a_source": sum(any(s.id == original_of(r.id) for s in r.sources or []) for r in copies),
                "copies": len(copies),
                "score_seconds": round(scored - started, 1),
                "link_seconds": round(linked - scored, 1),
                "peak_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
            }
        )
    )


if __name__ == "__main__":
    main()
