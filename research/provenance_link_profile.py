"""Where provenance's linking time goes as the crawl grows (issue 21: per-source cost rose with N).

    python research/provenance_link_profile.py --n 10000 --reuse 20

The crawl and scoring are `benchmarks/provenance_link_growth.py`'s (fixed overlap density). Then
the link step is taken apart: the candidate index (building, the LSH lookups and their check
against the whole signature, the vector search), how many candidates each path gives and how many of them align into a source, and the time of
the alignment and the word diffs of the pairs. Then every pair that only a shared LSH band
proposes is aligned, to count, for several floors of the band check, the pairs each turns away
and how many of those would have been sources. Prints one JSON line.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.provenance_link_growth import crawl  # noqa: E402
from detector import Detector  # noqa: E402
from detector.pipeline import _fingerprints  # noqa: E402
from detector.provenance import linker  # noqa: E402
from detector.provenance.fingerprint import band_keys, estimated_jaccard  # noqa: E402
from detector.provenance.index import CandidateIndex, RetrievalConfig, lsh_checked, nearest  # noqa: E402
from detector.provenance.linker import ProvenanceConfig, Side, candidate_pairs, match_pair  # noqa: E402
from training.config import DEFAULT_DATA_DIR  # noqa: E402

FLOORS = (0.05, 0.075, 0.1, 0.125, 0.15)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, required=True)
    parser.add_argument("--reuse", type=float, default=20.0)
    parser.add_argument("--data-dir", default=str(DEFAULT_DATA_DIR))
    parser.add_argument(
        "--min-lsh-jaccard", type=float, default=RetrievalConfig().min_lsh_jaccard, help="the band check the link runs with"
    )
    args = parser.parse_args()
    records, _ = crawl(Path(args.data_dir), args.n, args.reuse)
    detector = Detector.from_pretrained("evidence-baseline", fingerprints=True)
    config = replace(ProvenanceConfig(), retrieval=RetrievalConfig(min_lsh_jaccard=args.min_lsh_jaccard))
    out: dict = {"documents": len(records)}
    with detector.encoder.remembering():
        reports = [report for _, report in detector.score_many(records)]
        t = time.perf_counter()
        fps = _fingerprints(reports, detector.encoder)
        out["fingerprints_s"] = round(time.perf_counter() - t, 1)
    t = time.perf_counter()
    index = CandidateIndex(fps[0].vector.shape[0], config.retrieval)
    for fp in fps:
        index.add(fp)
    out["index_add_s"] = round(time.perf_counter() - t, 1)
    sides = [Side.of(r, fp) for r, fp in zip(reports, fps)]

    lsh_s = ann_s = 0.0
    lsh_only = ann_only = both = lsh_checked_only = 0
    bucket_sizes: list[int] = []
    lsh_pairs: set[tuple[int, int]] = set()  # band matches the vector search did not give (either way)
    index.candidates(fps[0])  # builds the matrix (and HNSW above exact_below)
    t = time.perf_counter()
    for a, fp in enumerate(fps):
        if fp.empty:
            continue
        t0 = time.perf_counter()
        lsh = set()
        for band, key in enumerate(band_keys(fp.minhash)[0]):
            hits = index._bands.get((band, int(key)), ())
            bucket_sizes.append(len(hits))
            lsh.update(hits)
        checked = lsh_checked(lsh, index._signatures, fp.minhash, config.retrieval.min_lsh_jaccard)
        t1 = time.perf_counter()
        ann = set(nearest(index._matrix, index._hnsw, fp.vector, config.retrieval.neighbours + 1, config.retrieval.min_document_similarity))
        t2 = time.perf_counter()
        lsh_s, ann_s = lsh_s + t1 - t0, ann_s + t2 - t1
        lsh.discard(a)
        checked.discard(a)
        ann.discard(a)
        lsh_pairs.update((min(a, b), max(a, b)) for b in lsh - ann)
        lsh_only, ann_only, both = lsh_only + len(lsh - ann), ann_only + len(ann - lsh), both + len(lsh & ann)
        lsh_checked_only += len(checked - ann)
    out.update(
        hnsw=index._hnsw is not None,
        lsh_s=round(lsh_s, 1),
        ann_s=round(ann_s, 1),
        candidates_lsh_only=lsh_only,
        candidates_lsh_only_after_check=lsh_checked_only,
        candidates_ann_only=ann_only,
        candidates_both=both,
        lsh_bucket_mean=round(float(np.mean(bucket_sizes)), 2),
        lsh_bucket_max=int(np.max(bucket_sizes)),
    )

    # The pairs, timed by part: alignment, and the rest of match_pair (word diffs, kinds, direction).
    align_s = [0.0]
    real_align = linker.align_similarities

    def timed_align(*a, **k):
        t0 = time.perf_counter()
        try:
            return real_align(*a, **k)
        finally:
            align_s[0] += time.perf_counter() - t0

    linker.align_similarities = timed_align
    outcome: dict[tuple[int, int], bool] = {}
    matched = unmatched = 0
    matched_s = unmatched_s = 0.0
    for a, b in candidate_pairs(index, fps):
        t0 = time.perf_counter()
        found = match_pair(sides[a], sides[b], config)
        dt = time.perf_counter() - t0
        outcome[(min(a, b), max(a, b))] = found is not None
        if found is None:
            unmatched, unmatched_s = unmatched + 1, unmatched_s + dt
        else:
            matched, matched_s = matched + 1, matched_s + dt
    linker.align_similarities = real_align
    t_end = time.perf_counter()

    # What the check on a band match turns away: every band-only pair, aligned, by its estimated
    # Jaccard (for each floor: the pairs it would turn away, and those that would have matched).
    jaccard_matched = []
    for a, b in sorted(lsh_pairs):
        matches = outcome[(a, b)] if (a, b) in outcome else match_pair(sides[a], sides[b], config) is not None
        jaccard_matched.append((float(estimated_jaccard(fps[a].minhash, fps[b].minhash)), matches))
    by_floor = {}
    for floor in FLOORS:
        under = [m for j, m in jaccard_matched if j < floor]
        by_floor[str(floor)] = {"band_only_pairs_turned_away": len(under), "of_which_would_match": sum(under)}
    out.update(
        pairs_matched=matched,
        pairs_unmatched=unmatched,
        matched_pair_ms=round(1000 * matched_s / max(matched, 1), 3),
        unmatched_pair_ms=round(1000 * unmatched_s / max(unmatched, 1), 3),
        align_s=round(align_s[0], 1),
        pairs_s=round(matched_s + unmatched_s, 1),
        candidates_and_pairs_s=round(t_end - t, 1),
        band_only_pairs=len(jaccard_matched),
        band_only_pairs_matching=sum(m for _, m in jaccard_matched),
        by_floor=by_floor,
    )
    print(json.dumps(out))


if __name__ == "__main__":
    main()
