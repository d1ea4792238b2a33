"""A reference index of a million documents on this machine: build, size on disk, open, query.

    python benchmarks/reference_index_scale.py --documents 1000000 --sentences 8 --folder /tmp/million.idx \
        --out benchmarks/reference_index_scale

The documents are synthetic (what is measured is the format and the search, not the encoder): each
has `--sentences` sentences of 20 words with random unit vectors near its document direction and
its own MinHash, written through `ReferenceIndex.write` a document at a time. Then the index is
opened (memory-mapped) and 200 queries made of indexed documents (their vectors perturbed, their
MinHash kept) ask for candidates and a full match. Peak memory is the process's own maximum RSS.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from detector.provenance.fingerprint import NUM_PERM, ComparableSentence, Fingerprint  # noqa: E402
from detector.provenance.linker import ProvenanceConfig, Side  # noqa: E402
from detector.provenance.reference import ReferenceIndex  # noqa: E402

DIM = 384
WORDS = "the minister said on wednesday that talks with the union would resume next week after a long strike".split()


def synthetic(row: int, sentences: int, noise: float = 0.3) -> Side:
    rng = np.random.default_rng(row)
    direction = rng.normal(size=DIM).astype(np.float32)
    direction /= np.linalg.norm(direction)
    vectors = direction + noise * rng.normal(size=(sentences, DIM)).astype(np.float32) / np.sqrt(DIM)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    texts = [" ".join(WORDS[(row + k + j) % len(WORDS)] for j in range(20)) + f" {row}-{k}." for k in range(sentences)]
    at, comparable = 0, []
    for k, t in enumerate(texts):
        comparable.append(ComparableSentence(k, at, at + len(t), t))
        at += len(t) + 1
    mean = vectors.mean(0)
    minhash = rng.integers(0, 2**32, size=NUM_PERM, dtype=np.uint64)
    fp = Fingerprint(f"doc-{row}", comparable, vectors, mean / np.linalg.norm(mean), minhash)
    return Side(fp.id, fp, tuple(float(x) for x in rng.random(sentences) * 0.1))


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--documents", type=int, default=1_000_000)
    parser.add_argument("--sentences", type=int, default=8)
    parser.add_argument("--folder", default="/tmp/million.idx")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--out", default=None)
    args = parser.parse_args()
    t0 = time.perf_counter()
    index = ReferenceIndex.write(args.folder, (synthetic(i, args.sentences) for i in range(args.documents)), "synthetic", DIM)
    build = time.perf_counter() - t0
    build_peak = peak_mib()
    size = sum(p.stat().st_size for p in Path(args.folder).iterdir())
    del index
    t0 = time.perf_counter()
    index = ReferenceIndex.open(args.folder)
    opened = time.perf_counter() - t0
    rng = np.random.default_rng(1)
    config = ProvenanceConfig()
    candidate_times, match_times, found = [], [], 0
    for row in rng.integers(0, args.documents, size=args.queries):
        side = synthetic(int(row), args.sentences)
        query = Side("query", side.fingerprint, side.artifacts)
        t0 = time.perf_counter()
        rows = index.candidates(query.fingerprint, config.retrieval)
        candidate_times.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        matches = index.sources(query, config)
        match_times.append(time.perf_counter() - t0)
        found += any(m.id == f"doc-{row}" for m in matches) and int(row) in rows
    result = {
        "documents": args.documents,
        "sentences_per_document": args.sentences,
        "build_seconds": round(build, 1),
        "build_peak_mib": round(build_peak),
        "size_on_disk_mib": round(size / 2**20),
        "open_seconds": round(opened, 3),
        "candidates_ms_median": round(1000 * statistics.median(candidate_times), 2),
        "sources_ms_median": round(1000 * statistics.median(match_times), 2),
        "queries_finding_their_document": f"{found}/{args.queries}",
        "peak_mib_after_queries": round(peak_mib()),
        "hnsw": index.hnsw is not None,
    }
    print(json.dumps(result))
    if args.out:
        lines = [
            "# A reference index of a million documents",
            "",
            f"- command: `python benchmarks/reference_index_scale.py --documents {args.documents} --sentences {args.sentences} --folder {args.folder}`",
            f"- machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}; {time.strftime('%Y-%m-%d', time.gmtime())}",
            "- synthetic documents (random vectors near a direction, random MinHash), written a document at a time; "
            f"{args.queries} queries of indexed documents with their vectors perturbed",
            "",
            "| measure | value |",
            "|---|---:|",
            *[f"| {k.replace('_', ' ')} | {v} |" for k, v in result.items()],
            "",
        ]
        Path(args.out).with_suffix(".md").write_text("\n".join(lines))
        Path(args.out).with_suffix(".json").write_text(json.dumps(result, indent=2) + "\n")
    shutil.rmtree(args.folder, ignore_errors=True)


if __name__ == "__main__":
    main()
