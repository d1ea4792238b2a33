"""What a query against a reference index of real news costs per candidate, with and without the
bound read before a candidate's texts (`linker.could_match` in `ReferenceIndex.sources`).

    python research/reference_query_cost.py --n 10000 --queries 300

The crawl is `benchmarks/provenance_link_growth.py`'s (fixed overlap density). Its first N -
queries documents are written as a reference index; each of the others is checked against it,
both ways in turn on the same query: `sources` as it is, and the loop before the bound (every
candidate's entry read, then `match_pair`). The two must give the same sources. Prints one JSON
line: candidates a query (all, and from the vector search), medians of each way's time, the
time a candidate costs each way, and the two steps apart: reading a candidate's entry, and the
bound. The band matches of an index grow with its size (about
0.15-0.19% of unrelated documents share a band: research/provenance-link-profile.md), so the
per-candidate cost is what decides a query against a million documents.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.provenance_link_growth import crawl  # noqa: E402
from detector import Detector  # noqa: E402
from detector.pipeline import _fingerprints  # noqa: E402
from detector.provenance.index import nearest  # noqa: E402
from detector.provenance.linker import ProvenanceConfig, Side, could_match, match_pair  # noqa: E402
from detector.provenance.reference import ReferenceIndex  # noqa: E402
from training.config import DEFAULT_DATA_DIR  # noqa: E402


def sources_without_bound(index: ReferenceIndex, side: Side, config: ProvenanceConfig) -> list:
    """`ReferenceIndex.sources` as it was before the bound: every candidate's entry read."""
    out = []
    for row in index.candidates(side.fingerprint, config.retrieval):
        ref = index.entry(row)
        if ref.id is not None and ref.id == side.id and ref.fingerprint.sentences == side.fingerprint.sentences:
            continue
        found = match_pair(side, ref, config)
        if found is not None:
            out.append(found[0])
    return sorted(out, key=lambda m: -m.share)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--reuse", type=float, default=20.0)
    parser.add_argument("--data-dir", default=str(DEFAULT_DATA_DIR))
    args = parser.parse_args()
    records, _ = crawl(Path(args.data_dir), args.n, args.reuse)
    detector = Detector.from_pretrained("evidence-baseline", fingerprints=True)
    with detector.encoder.remembering():
        reports = [report for _, report in detector.score_many(records)]
        indexed, queried = reports[: -args.queries], reports[-args.queries :]
        entries = detector.reference_sides(indexed)
        sides = [Side.of(r, fp) for r, fp in zip(queried, _fingerprints(queried, detector.encoder))]
    config = ProvenanceConfig()
    with tempfile.TemporaryDirectory() as tmp:
        index = ReferenceIndex.write(Path(tmp) / "ref.idx", entries, detector.encoder_name, entries[0].fingerprint.vector.shape[0])
        index = ReferenceIndex.open(Path(tmp) / "ref.idx", detector.encoder_name)
        now, before, candidates, vector = [], [], [], []
        entry_s = bound_s = 0.0
        for side in sides:
            if side.fingerprint.empty:
                continue
            rows = index.candidates(side.fingerprint, config.retrieval)
            near = nearest(
                index.doc_vectors,
                index.hnsw,
                side.fingerprint.vector,
                config.retrieval.neighbours,
                config.retrieval.min_document_similarity,
            )
            candidates.append(len(rows))
            vector.append(len(near))
            t0 = time.perf_counter()
            a = index.sources(side, config)
            t1 = time.perf_counter()
            b = sources_without_bound(index, side, config)
            t2 = time.perf_counter()
            assert [(m.id, m.share) for m in a] == [(m.id, m.share) for m in b]
            now.append(t1 - t0)
            before.append(t2 - t1)
            t0 = time.perf_counter()
            for row in rows:
                index.entry(row)
            t1 = time.perf_counter()
            for row in rows:
                lo, hi = int(index.doc_first[row]), int(index.doc_first[row + 1])
                could_match(side.fingerprint.vectors, index.sentence_vectors[lo:hi], config)
            t2 = time.perf_counter()
            entry_s, bound_s = entry_s + t1 - t0, bound_s + t2 - t1
    per_candidate_now = sum(now) / sum(candidates)
    per_candidate_before = sum(before) / sum(candidates)
    print(
        json.dumps(
            {
                "indexed_documents": len(entries),
                "queries": len(now),
                "candidates_per_query_mean": round(statistics.mean(candidates), 1),
                "from_the_vector_search_mean": round(statistics.mean(vector), 1),
                "query_ms_median_with_bound": round(1000 * statistics.median(now), 2),
                "query_ms_median_without": round(1000 * statistics.median(before), 2),
                "ms_per_candidate_with_bound": round(1000 * per_candidate_now, 3),
                "ms_per_candidate_without": round(1000 * per_candidate_before, 3),
                "ratio_with_over_without_total": round(sum(now) / sum(before), 3),
                "ms_a_candidate_entry_read": round(1000 * entry_s / sum(candidates), 4),
                "ms_a_candidate_bound": round(1000 * bound_s / sum(candidates), 4),
            }
        )
    )


if __name__ == "__main__":
    main()
