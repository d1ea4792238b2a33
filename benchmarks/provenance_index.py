"""Which approximate-nearest-neighbour library the provenance index uses: usearch, faiss or hnswlib.

    python benchmarks/provenance_index.py --vectors artifacts/cache/provenance-validation-10000-default.pkl \
        --out benchmarks/provenance_index

The vectors are real: the base encoder's sentence and document vectors of the provenance
validation collection (training/evaluate_provenance.py caches them), 384 dimensions,
L2-normalised, 100,000 of them as the index; the queries are 1,000 document vectors held out of
it. Each library builds an HNSW graph (M=16, ef_construction=128, inner product; usearch also
in half precision) on all cores, then answers the queries one by one (as the linker asks) and in
one batch. Recall@10 is against an exact search; times are medians of 3 runs on this machine.
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import platform
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

K, M, EF_CONSTRUCTION, EF_SEARCH = 10, 16, 128, 64


def load(path: Path, n: int, queries: int) -> tuple[np.ndarray, np.ndarray]:
    _, fps, _ = pickle.loads(path.read_bytes())
    docs = np.stack([f.vector for f in fps if not f.empty]).astype(np.float32)
    rng = np.random.default_rng(0)
    rng.shuffle(docs)
    query, rest = docs[:queries], docs[queries:]
    sentences = np.concatenate([f.vectors for f in fps if not f.empty]).astype(np.float32)
    base = np.concatenate([rest, sentences])[:n]
    if len(base) < n:
        raise SystemExit(f"only {len(base)} vectors in {path}; ask for fewer")
    return base, query


def exact(base: np.ndarray, query: np.ndarray) -> np.ndarray:
    return np.argsort(-(query @ base.T), axis=1)[:, :K]


def recall(found: np.ndarray, truth: np.ndarray) -> float:
    return float(np.mean([len(set(f) & set(t)) / K for f, t in zip(found, truth)]))


def build_usearch(base: np.ndarray, dtype: str):
    from usearch.index import Index

    index = Index(ndim=base.shape[1], metric="ip", dtype=dtype, connectivity=M, expansion_add=EF_CONSTRUCTION, expansion_search=EF_SEARCH)
    index.add(np.arange(len(base)), base, threads=os.cpu_count())
    return index, lambda q: index.search(q, K).keys.reshape(len(q) if q.ndim > 1 else 1, -1)


def build_faiss(base: np.ndarray):
    import faiss

    index = faiss.IndexHNSWFlat(base.shape[1], M, faiss.METRIC_INNER_PRODUCT)
    index.hnsw.efConstruction, index.hnsw.efSearch = EF_CONSTRUCTION, EF_SEARCH
    index.add(base)
    return index, lambda q: index.search(q.reshape(-1, base.shape[1]), K)[1]


def build_hnswlib(base: np.ndarray):
    import hnswlib

    index = hnswlib.Index(space="ip", dim=base.shape[1])
    index.init_index(max_elements=len(base), M=M, ef_construction=EF_CONSTRUCTION)
    index.add_items(base, np.arange(len(base)), num_threads=os.cpu_count())
    index.set_ef(EF_SEARCH)
    return index, lambda q: index.knn_query(q.reshape(-1, base.shape[1]), k=K)[0]


LIBRARIES = {
    "usearch f32": lambda b: build_usearch(b, "f32"),
    "usearch f16": lambda b: build_usearch(b, "f16"),
    "faiss HNSWFlat": build_faiss,
    "hnswlib": build_hnswlib,
}


def run(name: str, base: np.ndarray, query: np.ndarray, truth: np.ndarray, repeats: int) -> dict:
    builds, singles, batches, found = [], [], [], None
    for _ in range(repeats):
        t0 = time.perf_counter()
        index, search = LIBRARIES[name](base)
        builds.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        found = np.stack([np.asarray(search(q)).reshape(-1)[:K] for q in query])
        singles.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        search(query)
        batches.append(time.perf_counter() - t0)
        del index
    return {
        "build_seconds": statistics.median(builds),
        "queries_per_second_one_by_one": len(query) / statistics.median(singles),
        "queries_per_second_batched": len(query) / statistics.median(batches),
        "recall_at_10": recall(found, truth),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--vectors", required=True, help="a provenance cache written by training/evaluate_provenance.py")
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--out", default=None)
    args = parser.parse_args()
    base, query = load(Path(args.vectors), args.n, args.queries)
    t0 = time.perf_counter()
    truth = exact(base, query)
    exact_seconds = time.perf_counter() - t0
    results = {name: run(name, base, query, truth, args.repeats) for name in LIBRARIES}
    results["exact (numpy)"] = {"build_seconds": 0.0, "queries_per_second_batched": len(query) / exact_seconds, "recall_at_10": 1.0}
    lines = [
        "# Provenance index: which ANN library",
        "",
        f"- command: `python benchmarks/provenance_index.py --vectors {args.vectors} --n {args.n} --queries {args.queries}`",
        f"- machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}; {time.strftime('%Y-%m-%d', time.gmtime())}",
        f"- {len(base):,} real vectors (384 dims), {len(query):,} held-out document vectors as queries; HNSW M={M}, "
        f"ef_construction={EF_CONSTRUCTION}, ef_search={EF_SEARCH}; medians of {args.repeats} runs",
        "",
        "| library | build (s) | queries/s one by one | queries/s batched | recall@10 |",
        "|---|---:|---:|---:|---:|",
    ]
    for name, r in results.items():
        one = r.get("queries_per_second_one_by_one")
        lines.append(
            f"| {name} | {r['build_seconds']:.1f} | {'' if one is None else f'{one:,.0f}'} | {r['queries_per_second_batched']:,.0f} | {r['recall_at_10']:.3f} |"
        )
    text = "\n".join(lines) + "\n"
    print(text)
    if args.out:
        Path(args.out).with_suffix(".md").write_text(text)
        Path(args.out).with_suffix(".json").write_text(
            json.dumps({"n": len(base), "queries": len(query), "results": results}, indent=2) + "\n"
        )


if __name__ == "__main__":
    main()
