"""How provenance's linking grows with the number of documents (it must not be quadratic).

    python benchmarks/provenance_scale.py --cache artifacts/cache/provenance-validation-10000-default.pkl --n 5000

Takes the first N reports and fingerprints of a provenance collection that
training/evaluate_provenance.py cached (originals, their copies, then distractors), links them
(index build, candidate retrieval, alignment, word diffs) and prints one JSON line: documents,
candidate pairs aligned, sources found, seconds. Whole-process time and peak memory for each N
are measured from outside (benchmarks/provenance_scale.md says how). The encoder pass that makes
the fingerprints is not in it: that is linear by construction (one pass over the sentences) and is
timed by the evaluation (`fingerprint_seconds`).
"""

from __future__ import annotations

import argparse
import json
import pickle
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from detector.provenance import index as index_module  # noqa: E402
from detector.provenance.linker import ProvenanceConfig, link  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cache", required=True)
    parser.add_argument("--n", type=int, required=True)
    args = parser.parse_args()
    reports, fps, _ = pickle.loads(Path(args.cache).read_bytes())
    reports, fps = reports[: args.n], fps[: args.n]
    aligned = 0
    original = index_module.CandidateIndex.candidates

    def counting(self, fingerprint, exclude=None):
        nonlocal aligned
        found = original(self, fingerprint, exclude)
        aligned += len(found)
        return found

    index_module.CandidateIndex.candidates = counting
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    started = time.perf_counter()
    sources = link(reports, None, ProvenanceConfig(), fps=fps)
    seconds = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        json.dumps(
            {
                "documents": len(reports),
                "candidates": aligned,
                "sources": sum(len(s) for s in sources),
                "link_seconds": round(seconds, 2),
                "peak_mib_before_link": round(before),  # the whole cache, loaded whatever N is
                "peak_mib_growth_in_link": round(after - before),
            }
        )
    )


if __name__ == "__main__":
    main()
