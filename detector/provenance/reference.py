"""A reference index: the originals a crawl or a pasted article is checked against, on disk.

    detector index build originals/ -o wire.idx     # score, fingerprint and store them
    detector index add wire.idx more/               # add documents (a new index replaces the old)
    detector index merge a.idx b.idx -o both.idx
    detector score crawl/ --reference wire.idx      # each document's sources among the originals

The format (a folder, `format_version` 1) is plain arrays, memory-mapped on open, so a million
documents cost their page cache, not the process's heap:

    manifest.json          format, format_version, encoder, dim, num_perm, bands, documents, sentences, millcheck version
    documents.jsonl        one {"id": ...} per document, in row order
    doc_first.npy          int64 [documents + 1]: each document's first row in the sentence arrays
    doc_vectors.npy        float16 [documents, dim]: the normalised mean of its sentence vectors
    minhash.npy            uint64 [documents, num_perm]: MinHash of its content stems
    band_sorted.npy        uint64 [bands, documents]: each LSH band's keys of the MinHash, sorted
    band_order.npy         int64 [bands, documents]: the rows in that order (a binary search finds a key's rows)
    sentence_vectors.npy   float16 [sentences, dim]
    sentence_spans.npy     int64 [sentences, 3]: sentence index, start, end in its document's text
    sentence_artifacts.npy float16 [sentences]: artifact probability (what direction weighs)
    sentence_text.bin      the sentences' UTF-8 text, back to back
    sentence_text.npy      int64 [sentences + 1]: byte offsets into sentence_text.bin
    doc_vectors.usearch    HNSW over doc_vectors (only at EXACT_BELOW documents or more)

An index written by another format version or another encoder (vectors of another space) is
refused with `ReferenceIndexError`, as is a folder whose arrays disagree with its manifest. A new
index is written to a temporary folder and renamed, so a failed build leaves nothing behind.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Iterable

import numpy as np

from detector.provenance.fingerprint import NUM_PERM, ComparableSentence, Fingerprint
from detector.provenance.index import RetrievalConfig
from detector.provenance.linker import ProvenanceConfig, Side, match_pair
from detector.provenance.matches import SourceMatch
from detector.version import __version__

FORMAT = "millcheck-reference-index"
FORMAT_VERSION = 1
BANDS, ROWS = 21, 3  # 21 bands of 3 rows: datasketch's choice for Jaccard 0.3 at 64 permutations
EXACT_BELOW = 20_000  # documents; above, doc_vectors.usearch answers the nearest-neighbour query
_ARRAYS = (
    "doc_first",
    "doc_vectors",
    "minhash",
    "band_sorted",
    "band_order",
    "sentence_vectors",
    "sentence_spans",
    "sentence_artifacts",
    "sentence_text",
)


class ReferenceIndexError(ValueError):
    """A reference index that cannot be used: missing, corrupt, or made for other vectors."""


def band_keys(minhash: np.ndarray) -> np.ndarray:
    """[n, BANDS] uint64 keys: each band's ROWS hash values mixed into one number."""
    m = np.atleast_2d(minhash).astype(np.uint64)[:, : BANDS * ROWS].reshape(len(np.atleast_2d(minhash)), BANDS, ROWS)
    key = np.zeros(m.shape[:2], dtype=np.uint64)
    with np.errstate(over="ignore"):
        for r in range(ROWS):
            key = key * np.uint64(0x9E3779B97F4A7C15) + m[:, :, r]
    return key


class ReferenceIndex:
    def __init__(self, folder: Path, manifest: dict, ids: list[str | None], arrays: dict[str, np.ndarray], text: np.memmap, hnsw=None):
        self.folder, self.manifest, self.ids, self.text, self.hnsw = folder, manifest, ids, text, hnsw
        for name, value in arrays.items():
            setattr(self, name, value)

    def __len__(self) -> int:
        return len(self.ids)

    # -- reading --------------------------------------------------------------------------

    @classmethod
    def open(cls, folder: str | os.PathLike, encoder: str | None = None) -> ReferenceIndex:
        """Open (memory-mapped); `encoder`: the name the caller's vectors come from, checked."""
        folder = Path(folder)
        try:
            manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ReferenceIndexError(
                f"{folder} is not a reference index (no manifest.json); build one with `detector index build`"
            ) from None
        except (OSError, ValueError) as exc:
            raise ReferenceIndexError(f"{folder}/manifest.json cannot be read: {exc}") from None
        if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
            raise ReferenceIndexError(f"{folder} is not a millcheck reference index")
        if manifest.get("format_version") != FORMAT_VERSION:
            raise ReferenceIndexError(
                f"{folder} has reference index format {manifest.get('format_version')}; this millcheck reads {FORMAT_VERSION}: rebuild it"
            )
        if encoder is not None and manifest.get("encoder") != encoder:
            raise ReferenceIndexError(
                f"{folder} holds vectors of {manifest.get('encoder')!r}, not of this model's encoder {encoder!r}: rebuild it with this model"
            )
        try:
            arrays = {name: np.load(folder / f"{name}.npy", mmap_mode="r") for name in _ARRAYS}
            text = (
                np.memmap(folder / "sentence_text.bin", dtype=np.uint8, mode="r")
                if (folder / "sentence_text.bin").stat().st_size
                else np.zeros(0, np.uint8)
            )
            with open(folder / "documents.jsonl", encoding="utf-8") as f:
                ids = [json.loads(line)["id"] for line in f]
        except (OSError, ValueError, KeyError) as exc:
            raise ReferenceIndexError(f"{folder} is damaged: {exc}") from None
        n, m = manifest.get("documents"), manifest.get("sentences")
        expected = {
            "doc_first": (n + 1,),
            "doc_vectors": (n, manifest.get("dim")),
            "minhash": (n, NUM_PERM),
            "band_sorted": (BANDS, n),
            "band_order": (BANDS, n),
            "sentence_vectors": (m, manifest.get("dim")),
            "sentence_spans": (m, 3),
            "sentence_artifacts": (m,),
            "sentence_text": (m + 1,),
        }
        wrong = [name for name, shape in expected.items() if arrays[name].shape != shape]
        if len(ids) != n or wrong or (m and int(arrays["sentence_text"][-1]) != len(text)):
            raise ReferenceIndexError(
                f"{folder} is damaged: its arrays ({', '.join(wrong) or 'documents, text'}) disagree with its manifest"
            )
        hnsw = None
        if (folder / "doc_vectors.usearch").exists():
            from usearch.index import Index

            hnsw = Index.restore(str(folder / "doc_vectors.usearch"), view=True)
        return cls(folder, manifest, ids, arrays, text, hnsw)

    def entry(self, row: int) -> Side:
        """Document `row` as the matcher sees it."""
        lo, hi = int(self.doc_first[row]), int(self.doc_first[row + 1])
        offsets = self.sentence_text[lo : hi + 1]
        sentences = [
            ComparableSentence(int(i), int(s), int(e), bytes(self.text[offsets[k] : offsets[k + 1]]).decode("utf-8"))
            for k, (i, s, e) in enumerate(self.sentence_spans[lo:hi])
        ]
        vectors = np.asarray(self.sentence_vectors[lo:hi], dtype=np.float32)
        fp = Fingerprint(self.ids[row], sentences, vectors, np.asarray(self.doc_vectors[row], np.float32), np.asarray(self.minhash[row]))
        return Side(self.ids[row], fp, tuple(float(x) for x in self.sentence_artifacts[lo:hi]))

    def candidates(self, fp: Fingerprint, config: RetrievalConfig = RetrievalConfig()) -> list[int]:
        """Rows that may share content with `fp`: nearest document vectors and LSH band matches."""
        if fp.empty or not len(self):
            return []
        found: set[int] = set()
        keys = band_keys(fp.minhash)[0]
        for b in range(BANDS):
            row = self.band_sorted[b]
            lo, hi = np.searchsorted(row, keys[b], side="left"), np.searchsorted(row, keys[b], side="right")
            found.update(int(r) for r in self.band_order[b, lo:hi])
        query = fp.vector.astype(np.float32)
        k = min(config.neighbours, len(self))
        if self.hnsw is not None:
            hits = self.hnsw.search(query, k)
            found.update(int(key) for key, d in zip(hits.keys, hits.distances) if 1.0 - d >= config.min_document_similarity)
        else:
            sims = np.asarray(self.doc_vectors, dtype=np.float32) @ query
            top = np.argpartition(-sims, k - 1)[:k] if k < len(sims) else np.arange(len(sims))
            found.update(int(i) for i in top if sims[i] >= config.min_document_similarity)
        return sorted(found)

    def sources(self, side: Side, config: ProvenanceConfig = ProvenanceConfig()) -> list[SourceMatch]:
        """The matches of one document (seen from it) among the index's documents, strongest first."""
        out = []
        for row in self.candidates(side.fingerprint, config.retrieval):
            ref = self.entry(row)
            if ref.id is not None and ref.id == side.id and ref.fingerprint.sentences == side.fingerprint.sentences:
                continue  # the document itself, indexed
            found = match_pair(side, ref, config)
            if found is not None:
                out.append(found[0])
        return sorted(out, key=lambda m: -m.share)

    def entries(self) -> Iterable[Side]:
        return (self.entry(row) for row in range(len(self)))

    # -- writing --------------------------------------------------------------------------

    @staticmethod
    def write(folder: str | os.PathLike, entries: Iterable[Side], encoder: str, dim: int) -> ReferenceIndex:
        """Write a new index of `entries` to `folder` (replacing what is there only once complete)."""
        folder = Path(folder)
        temporary = folder.with_name(folder.name + ".partial")
        shutil.rmtree(temporary, ignore_errors=True)
        temporary.mkdir(parents=True)
        try:
            ids, first, doc_vectors, minhashes, vectors, spans, artifacts, offsets = [], [0], [], [], [], [], [], [0]
            with open(temporary / "sentence_text.bin", "wb") as text:
                for e in entries:
                    fp = e.fingerprint
                    ids.append(e.id)
                    first.append(first[-1] + len(fp.sentences))
                    doc_vectors.append(fp.vector.astype(np.float16))
                    minhashes.append(np.asarray(fp.minhash, dtype=np.uint64))
                    vectors.append(np.asarray(fp.vectors, dtype=np.float16).reshape(-1, dim))
                    spans += [(s.index, s.start, s.end) for s in fp.sentences]
                    artifacts += list(e.artifacts)
                    for s in fp.sentences:
                        data = s.text.encode("utf-8")
                        text.write(data)
                        offsets.append(offsets[-1] + len(data))
            n, m = len(ids), len(spans)
            minhash = np.stack(minhashes) if n else np.zeros((0, NUM_PERM), np.uint64)
            bands = band_keys(minhash).T if n else np.zeros((BANDS, 0), np.uint64)
            order = np.argsort(bands, axis=1, kind="stable").astype(np.int64)
            arrays = {
                "doc_first": np.asarray(first, dtype=np.int64),
                "doc_vectors": np.stack(doc_vectors) if n else np.zeros((0, dim), np.float16),
                "minhash": minhash,
                "band_sorted": np.take_along_axis(bands, order, axis=1),
                "band_order": order,
                "sentence_vectors": np.concatenate(vectors) if m else np.zeros((0, dim), np.float16),
                "sentence_spans": np.asarray(spans, dtype=np.int64).reshape(-1, 3),
                "sentence_artifacts": np.asarray(artifacts, dtype=np.float16),
                "sentence_text": np.asarray(offsets, dtype=np.int64),
            }
            for name, value in arrays.items():
                np.save(temporary / f"{name}.npy", value)
            with open(temporary / "documents.jsonl", "w", encoding="utf-8") as f:
                for i in ids:
                    f.write(json.dumps({"id": i}, ensure_ascii=False) + "\n")
            if n >= EXACT_BELOW:
                from usearch.index import Index

                hnsw = Index(ndim=dim, metric="ip", dtype="f16")
                hnsw.add(np.arange(n), arrays["doc_vectors"].astype(np.float32))
                hnsw.save(str(temporary / "doc_vectors.usearch"))
            manifest = {
                "format": FORMAT,
                "format_version": FORMAT_VERSION,
                "encoder": encoder,
                "dim": dim,
                "num_perm": NUM_PERM,
                "bands": BANDS,
                "documents": n,
                "sentences": m,
                "millcheck": __version__,
            }
            (temporary / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
        except BaseException:
            shutil.rmtree(temporary, ignore_errors=True)
            raise
        if folder.exists():
            shutil.rmtree(folder)
        temporary.rename(folder)
        return ReferenceIndex.open(folder, encoder)
