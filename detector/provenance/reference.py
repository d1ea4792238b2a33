"""A reference index: the originals a crawl or a pasted article is checked against, on disk.

    detector index build originals/ -o wire.idx     # score, fingerprint and store them
    detector index add wire.idx more/               # add documents (a new index replaces the old)
    detector index merge a.idx b.idx -o both.idx
    detector score crawl/ --reference wire.idx      # each document's sources among the originals

The format (a folder, `format_version` 1) is raw little-endian arrays whose dtype and shape the
manifest gives, memory-mapped on open, and written a document at a time, so neither building nor
reading a million documents needs them in memory:

    manifest.json          format, format_version, encoder, model, dim, num_perm, bands, documents, sentences,
                           millcheck version, and "arrays": {name: {"dtype", "shape"}}
    documents.jsonl        one {"id": ..., "published": ...} per document, in row order ("published",
                           its ISO date, only where its input gave one: direction weighs it)
    doc_first              int64 [documents + 1]: each document's first row in the sentence arrays
    doc_vectors            float16 [documents, dim]: the normalised mean of its sentence vectors
    minhash                uint64 [documents, num_perm]: MinHash of its content stems
    band_sorted            uint64 [bands, documents]: each LSH band's keys of the MinHash, sorted
    band_order             int64 [bands, documents]: the rows in that order (binary search finds a key's rows)
    sentence_vectors       float16 [sentences, dim]
    sentence_spans         int64 [sentences, 3]: sentence index, start, end in its document's text
    sentence_artifacts     float16 [sentences]: artifact probability (what direction weighs)
    sentence_text_offsets  int64 [sentences + 1]: byte offsets into sentence_text
    sentence_text          uint8: the sentences' UTF-8 text, back to back
    doc_vectors.usearch    HNSW over doc_vectors (only at EXACT_BELOW documents or more)

Each array NAME is the file `NAME.bin`. An index written by another format version or another
encoder (vectors of another space) is refused with `ReferenceIndexError`, as is a folder whose
files disagree with its manifest. A new index is written to a temporary folder and renamed, so a
failed build leaves nothing behind.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Iterable

import numpy as np

from detector.io.dates import parse_date
from detector.provenance.fingerprint import BANDS, NUM_PERM, ComparableSentence, Fingerprint, band_keys
from detector.provenance.index import EXACT_BELOW, RetrievalConfig, lsh_checked, nearest
from detector.provenance.linker import ProvenanceConfig, Side, could_match, match_pair
from detector.provenance.matches import SourceMatch
from detector.version import __version__

FORMAT = "millcheck-reference-index"
FORMAT_VERSION = 1
_DTYPES = {
    "doc_first": "<i8",
    "doc_vectors": "<f2",
    "minhash": "<u8",
    "band_sorted": "<u8",
    "band_order": "<i8",
    "sentence_vectors": "<f2",
    "sentence_spans": "<i8",
    "sentence_artifacts": "<f2",
    "sentence_text_offsets": "<i8",
    "sentence_text": "u1",
}


def _shapes(n: int, m: int, dim: int, text_bytes: int) -> dict[str, tuple[int, ...]]:
    return {
        "doc_first": (n + 1,),
        "doc_vectors": (n, dim),
        "minhash": (n, NUM_PERM),
        "band_sorted": (BANDS, n),
        "band_order": (BANDS, n),
        "sentence_vectors": (m, dim),
        "sentence_spans": (m, 3),
        "sentence_artifacts": (m,),
        "sentence_text_offsets": (m + 1,),
        "sentence_text": (text_bytes,),
    }


def _map(folder: Path, name: str, shape: tuple[int, ...]) -> np.ndarray:
    path = folder / f"{name}.bin"
    dtype = np.dtype(_DTYPES[name])
    expected = int(np.prod(shape)) * dtype.itemsize
    size = path.stat().st_size
    if size != expected:
        raise ValueError(f"{path.name} holds {size} bytes where the manifest says {expected}")
    return np.memmap(path, dtype=dtype, mode="r", shape=shape) if expected else np.zeros(shape, dtype)


class ReferenceIndexError(ValueError):
    """A reference index that cannot be used: missing, corrupt, or made for other vectors."""


class ReferenceIndex:
    def __init__(
        self,
        folder: Path,
        manifest: dict,
        ids: list[str | None],
        arrays: dict[str, np.ndarray],
        hnsw=None,
        dates: list[str | None] | None = None,
    ):
        self.folder, self.manifest, self.ids, self.hnsw = folder, manifest, ids, hnsw
        self.dates = dates if dates is not None else [None] * len(ids)
        for name, value in arrays.items():
            setattr(self, name, value)

    def __len__(self) -> int:
        return len(self.ids)

    # -- reading --------------------------------------------------------------------------

    @classmethod
    def open(cls, folder: str | os.PathLike, encoder: str | None = None, model: str | None = None) -> ReferenceIndex:
        """Open (memory-mapped). `encoder`: the name the caller's vectors come from; `model`: the
        caller's model, whose artifact probabilities direction compares with the stored ones.
        Both are checked when given."""
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
        if model is not None and manifest.get("model") not in (None, model):
            raise ReferenceIndexError(
                f"{folder} was built with model {manifest.get('model')!r}, not {model!r}: its artifact probabilities "
                f"would not compare with this model's; rebuild it, or use --model {manifest.get('model')}"
            )
        try:
            n, m, dim = int(manifest["documents"]), int(manifest["sentences"]), int(manifest["dim"])
            shapes = _shapes(n, m, dim, int(manifest["text_bytes"]))
            arrays = {name: _map(folder, name, shape) for name, shape in shapes.items()}
            with open(folder / "documents.jsonl", encoding="utf-8") as f:
                documents = [json.loads(line) for line in f]
            ids, dates = [d["id"] for d in documents], [parse_date(d.get("published")) for d in documents]
            if len(ids) != n:
                raise ValueError(f"documents.jsonl lists {len(ids)} documents where the manifest says {n}")
            if m and int(arrays["sentence_text_offsets"][-1]) != len(arrays["sentence_text"]):
                raise ValueError("the sentence text offsets run past the text")
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise ReferenceIndexError(f"{folder} is damaged: {exc}") from None
        hnsw = None
        if (folder / "doc_vectors.usearch").exists():
            from usearch.index import Index

            hnsw = Index.restore(str(folder / "doc_vectors.usearch"), view=True)
        return cls(folder, manifest, ids, arrays, hnsw, dates)

    def entry(self, row: int) -> Side:
        """Document `row` as the matcher sees it."""
        lo, hi = int(self.doc_first[row]), int(self.doc_first[row + 1])
        offsets = self.sentence_text_offsets[lo : hi + 1]
        sentences = [
            ComparableSentence(int(i), int(s), int(e), bytes(self.sentence_text[offsets[k] : offsets[k + 1]]).decode("utf-8"))
            for k, (i, s, e) in enumerate(self.sentence_spans[lo:hi])
        ]
        vectors = np.asarray(self.sentence_vectors[lo:hi], dtype=np.float32)
        fp = Fingerprint(self.ids[row], sentences, vectors, np.asarray(self.doc_vectors[row], np.float32), np.asarray(self.minhash[row]))
        return Side(self.ids[row], fp, tuple(float(x) for x in self.sentence_artifacts[lo:hi]), self.dates[row])

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
        found = lsh_checked(found, self.minhash, fp.minhash, config.min_lsh_jaccard)
        found.update(nearest(self.doc_vectors, self.hnsw, fp.vector, min(config.neighbours, len(self)), config.min_document_similarity))
        return sorted(found)

    def sources(self, side: Side, config: ProvenanceConfig = ProvenanceConfig()) -> list[SourceMatch]:
        """The matches of one document (seen from it) among the index's documents, strongest first."""
        out = []
        for row in self.candidates(side.fingerprint, config.retrieval):
            lo, hi = int(self.doc_first[row]), int(self.doc_first[row + 1])
            if not could_match(side.fingerprint.vectors, self.sentence_vectors[lo:hi], config):
                continue  # most band matches of a large index: turned away before their texts are read
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
    def write(folder: str | os.PathLike, entries: Iterable[Side], encoder: str, dim: int, model: str | None = None) -> ReferenceIndex:
        """Write a new index of `entries` to `folder`, a document at a time (replacing what is
        there only once complete)."""
        with ReferenceIndexWriter(folder, encoder, dim, model) as writer:
            for e in entries:
                writer.add(e)
        return writer.index


_STREAMED = ("doc_vectors", "minhash", "sentence_vectors", "sentence_spans", "sentence_artifacts", "sentence_text")


class ReferenceIndexWriter:
    """A new index written as documents come (`add`), for callers that cannot hand over an
    iterable (a datatrove step passes its documents on as it indexes them). Used as a context
    manager: a clean exit completes the index and renames it into place (`index` opens it), an
    exception removes the partial folder and leaves what was at `folder` untouched."""

    def __init__(self, folder: str | os.PathLike, encoder: str, dim: int, model: str | None = None):
        self.folder, self.encoder, self.dim, self.model = Path(folder), encoder, dim, model
        self.temporary = self.folder.with_name(self.folder.name + ".partial")
        shutil.rmtree(self.temporary, ignore_errors=True)
        self.temporary.mkdir(parents=True)
        self._files = {name: open(self.temporary / f"{name}.bin", "wb") for name in _STREAMED}
        self._ids = open(self.temporary / "documents.jsonl", "w", encoding="utf-8")
        self._first, self._offsets, self.documents, self.sentences, self._text_bytes = [0], [0], 0, 0, 0
        self.index: ReferenceIndex | None = None

    def __enter__(self) -> ReferenceIndexWriter:
        return self

    def __exit__(self, kind, value, traceback) -> None:
        if kind is None:
            self.close()
        else:
            self.abort()

    def add(self, e: Side) -> None:
        fp, files, dim = e.fingerprint, self._files, self.dim
        document = {"id": e.id} if e.published is None else {"id": e.id, "published": e.published}
        self._ids.write(json.dumps(document, ensure_ascii=False) + "\n")
        self.documents += 1
        self.sentences += len(fp.sentences)
        self._first.append(self.sentences)
        files["doc_vectors"].write(np.asarray(fp.vector, dtype=_DTYPES["doc_vectors"]).tobytes())
        files["minhash"].write(np.asarray(fp.minhash, dtype=_DTYPES["minhash"]).tobytes())
        files["sentence_vectors"].write(np.asarray(fp.vectors, dtype=_DTYPES["sentence_vectors"]).reshape(-1, dim).tobytes())
        spans = [(x.index, x.start, x.end) for x in fp.sentences]
        files["sentence_spans"].write(np.asarray(spans, dtype=_DTYPES["sentence_spans"]).reshape(-1, 3).tobytes())
        files["sentence_artifacts"].write(np.asarray(e.artifacts, dtype=_DTYPES["sentence_artifacts"]).tobytes())
        for x in fp.sentences:
            data = x.text.encode("utf-8")
            files["sentence_text"].write(data)
            self._text_bytes += len(data)
            self._offsets.append(self._text_bytes)

    def _close_files(self) -> None:
        for f in (*self._files.values(), self._ids):
            f.close()

    def abort(self) -> None:
        self._close_files()
        shutil.rmtree(self.temporary, ignore_errors=True)

    def close(self) -> ReferenceIndex:
        """Finish the arrays, the LSH bands and the vector index, then move the index into place."""
        try:
            self._finish()
        except BaseException:
            self.abort()
            raise
        if self.folder.exists():
            shutil.rmtree(self.folder)
        self.temporary.rename(self.folder)
        self.index = ReferenceIndex.open(self.folder, self.encoder, self.model)
        return self.index

    def _finish(self) -> None:
        self._close_files()
        temporary, n, m, dim = self.temporary, self.documents, self.sentences, self.dim
        np.asarray(self._first, dtype=_DTYPES["doc_first"]).tofile(temporary / "doc_first.bin")
        np.asarray(self._offsets, dtype=_DTYPES["sentence_text_offsets"]).tofile(temporary / "sentence_text_offsets.bin")
        minhash = _map(temporary, "minhash", (n, NUM_PERM))
        bands = band_keys(minhash).T if n else np.zeros((BANDS, 0), np.uint64)
        order = np.argsort(bands, axis=1, kind="stable")
        np.take_along_axis(bands, order, axis=1).astype(_DTYPES["band_sorted"]).tofile(temporary / "band_sorted.bin")
        order.astype(_DTYPES["band_order"]).tofile(temporary / "band_order.bin")
        if n >= EXACT_BELOW:
            from usearch.index import Index

            hnsw = Index(ndim=dim, metric="ip", dtype="f16")
            hnsw.add(np.arange(n), np.asarray(_map(temporary, "doc_vectors", (n, dim)), dtype=np.float32), threads=os.cpu_count() or 1)
            hnsw.save(str(temporary / "doc_vectors.usearch"))
        manifest = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "encoder": self.encoder,
            "model": self.model,
            "dim": dim,
            "num_perm": NUM_PERM,
            "bands": BANDS,
            "documents": n,
            "sentences": m,
            "text_bytes": self._text_bytes,
            "millcheck": __version__,
            "arrays": {k: {"dtype": _DTYPES[k], "shape": list(v)} for k, v in _shapes(n, m, dim, self._text_bytes).items()},
        }
        (temporary / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
