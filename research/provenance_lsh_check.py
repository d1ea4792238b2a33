"""How low may the check on a shared LSH band go (`RetrievalConfig.min_lsh_jaccard`)? Validation only.

    python -m training.evaluate_provenance --split validation   # makes the scored collection's cache
    python research/provenance_lsh_check.py --out research/provenance-lsh-check

Reads the validation collection of `training/evaluate_provenance.py` (244 originals of WMT14-15,
their four kinds of copy, 10,000 distractor windows) from its cache and links it at several
floors. For each: retrieval and alignment of the planted copies (as the evaluation measures
them), every source the batch reports (distractors' true overlaps included) and how many of the
unchecked run's are lost, the candidate pairs aligned, and the link time. Also each planted copy's
estimated Jaccard with its original and whether the vector search alone finds it.
"""

from __future__ import annotations

import argparse
import json
import pickle
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from detector.pipeline import Detector  # noqa: E402
from detector.provenance.fingerprint import estimated_jaccard  # noqa: E402
from detector.provenance.index import CandidateIndex, RetrievalConfig, nearest  # noqa: E402
from detector.provenance.linker import ProvenanceConfig, link  # noqa: E402
from training.config import DEFAULT_DATA_DIR, CorpusConfig  # noqa: E402
from training.evaluate_provenance import build, changed_words, measure  # noqa: E402

FLOORS = (0.0, 0.1, 0.15, 0.2, 0.25, 0.3)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", default=str(DEFAULT_DATA_DIR))
    parser.add_argument("--distractors", type=int, default=10_000)
    parser.add_argument("--out", default=None, help="write <out>.json")
    args = parser.parse_args()
    texts, ids, cases, offsets = build(Path(args.data_dir), "validation", args.distractors)
    cache = Path(CorpusConfig().cache_dir) / f"provenance-validation-{args.distractors}-default.pkl"
    reports, fps, _ = pickle.loads(cache.read_bytes())
    encoder = Detector.from_pretrained("evidence-baseline").encoder
    n_test = 2 * len(cases)
    changed = changed_words(texts, cases, offsets)

    index = CandidateIndex(fps[0].vector.shape[0])
    for fp in fps:
        index.add(fp)
    index.candidates(fps[0])  # stacks the index's matrices
    planted = []
    for c in cases:
        ann = nearest(index._matrix, None, fps[c.copy].vector, 9, RetrievalConfig().min_document_similarity)
        jaccard = float(estimated_jaccard(fps[c.original].minhash, fps[c.copy].minhash))
        planted.append({"kind": c.kind, "jaccard": jaccard, "vector_search_finds": c.original in ann})

    rows, baseline = [], None
    for floor in FLOORS:
        config = replace(ProvenanceConfig(), retrieval=RetrievalConfig(min_lsh_jaccard=floor))
        t0 = time.perf_counter()
        sources = link(reports, encoder, config, fps=fps)
        seconds = time.perf_counter() - t0
        pairs = {(i, m.id) for i, found in enumerate(sources) for m in found}
        baseline = pairs if baseline is None else baseline
        m = measure(cases, sources, reports, offsets, n_test, changed)
        row = {
            "min_lsh_jaccard": floor,
            "link_seconds": round(seconds, 1),
            "sources": len(pairs),
            "sources_lost": len(baseline - pairs),
            "sources_new": len(pairs - baseline),
            "precision": m["precision"],
            "recall": {k: v["recall"] for k, v in m["by_kind"].items()},
            "plagdet_rewritten": m["alignment_all_rewritten"]["plagdet"],
            "direction_right": m["direction_right"],
        }
        rows.append(row)
        print(json.dumps(row))
    by_kind = {}
    for kind in sorted({p["kind"] for p in planted}):
        mine = [p for p in planted if p["kind"] == kind]
        missed = [p["jaccard"] for p in mine if not p["vector_search_finds"]]
        by_kind[kind] = {
            "copies": len(mine),
            "jaccard_min": min(p["jaccard"] for p in mine),
            "jaccard_median": float(np.median([p["jaccard"] for p in mine])),
            "vector_search_misses": len(missed),
            "jaccard_of_those": sorted(missed),
        }
    print(json.dumps(by_kind))
    if args.out:
        Path(args.out).with_suffix(".json").write_text(json.dumps({"floors": rows, "planted": by_kind}, indent=2) + "\n")


if __name__ == "__main__":
    main()
