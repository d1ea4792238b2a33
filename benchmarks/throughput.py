"""Batch throughput on CPU: the `detector score` pipeline vs the bare model forward, per runtime.

    python benchmarks/throughput.py --model default --docs 60 --repeats 3 \
        [--corpus artifacts/corpus-v3 --eval-examples 0] [--data-dir ../shared/data]

Documents are the seeds plus distinct 20-line blocks of English news (WMT23 original English, then
the human references), when the data folder is there. In one run, for torch fp32, torch int8
(`--int8`), ONNX Runtime fp32 and int8 (`--runtime onnxruntime [--int8]`, when installed), it times
  - bare forward: the classifier's forward pass alone over pre-tokenised, length-sorted batches of
    every sentence (with its context), as `detector score` would feed it;
  - pipeline: what `detector score` does per document: decode, segment, evidence finders (with
    their own encoder pass), classifier, aggregation, and the JSONL record;
and reports sentences/second (median of the repeats), the pipeline/forward ratio, the speed-up
over torch fp32, the largest probability difference, and with `--corpus` the ROC-AUC per type on
the test split for each. Writes benchmarks/throughput.md and .json.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.machine import describe_machine
from detector import Detector
from detector.io.records import TextRecord
from detector.text.segment import segment

BASE = "torch fp32"
VARIANTS = {  # name -> Detector.from_pretrained options
    BASE: {},
    "torch int8 (`--int8`)": {"int8": True},
    "onnxruntime fp32 (`--runtime onnxruntime`, serve's default)": {"runtime": "onnxruntime"},
    "onnxruntime int8 (`--runtime onnxruntime --int8`)": {"runtime": "onnxruntime", "int8": True},
}


def documents(n: int, data_dir: Path) -> list[str]:
    """The seeds, then distinct 20-line blocks of English news (original, then human references)."""
    docs = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "seeds").glob("*.txt"))]
    wmt23 = data_dir / "wmt23"
    for path in [wmt23 / "en-original.human.en", *sorted(wmt23.glob("*.human-reference.en"))]:
        if path.exists():
            lines = path.read_text(encoding="utf-8").splitlines()
            docs += ["\n".join(lines[i : i + 20]) for i in range(0, len(lines) - 19, 20)]
    if len(docs) < n:
        print(f"only {len(docs)} distinct documents; some repeat", file=sys.stderr)
    return (docs * (1 + n // max(1, len(docs))))[:n]


def write_report(out: Path, lines: list[str], result: dict) -> None:
    """The Markdown table next to its JSON numbers (out.md, out.json), and the table on stdout."""
    out.with_suffix(".md").write_text("\n".join(lines), encoding="utf-8")
    out.with_suffix(".json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print("\n".join(lines))


def bare_forward(detector: Detector, texts: list[str], batch_size: int) -> tuple[float, int]:
    """Seconds for the classifier's forward alone over all sentences, tokenised beforehand."""
    classifier = detector.predictor
    window = classifier.config.context_window
    sentences, neighbours = [], []
    for text in texts:
        doc = segment(text)
        sentences += [s.text for s in doc.sentences]
        neighbours += [doc.neighbours(s.index, window) for s in doc.sentences]
    contexts = [" ".join(n) for n in neighbours]
    batches = [
        batch for _, batch in classifier.sorted_batches(sentences, contexts, batch_size, neighbours=neighbours)
    ]  # as the pipeline batches
    started = time.perf_counter()
    with torch.inference_mode():
        for batch in batches:
            classifier.run_batch(batch)
    return time.perf_counter() - started, len(sentences)


def pipeline(detector: Detector, texts: list[str]) -> tuple[float, int]:
    records = [TextRecord(id=str(i), text=t.encode("utf-8")) for i, t in enumerate(texts)]
    started = time.perf_counter()
    n = 0
    for _, report in detector.score_many(records):
        json.dumps(report.to_dict(), ensure_ascii=False)
        n += report.sentences_total
    return time.perf_counter() - started, n


class StageTimer:
    """Exclusive wall time per stage: each wrapped call's time, less the wrapped calls inside it
    (a stage wrapped with `whole=True` keeps the time of the wrapped calls inside it)."""

    def __init__(self):
        self.seconds: dict[str, float] = {}
        self._stack: list[list[float]] = []  # per open call: [start, time spent in nested calls]
        self._whole = 0  # open calls of stages that keep their nested time
        self._wrapped: list[tuple[object, str, object | None]] = []  # (owner, attribute, its own value or None)

    def wrap(self, owner, attribute: str, stage: str, whole: bool = False) -> None:
        inner = getattr(owner, attribute)
        self._wrapped.append((owner, attribute, vars(owner).get(attribute)))

        def timed(*args, **kwargs):
            if self._whole:
                return inner(*args, **kwargs)
            self._stack.append([time.perf_counter(), 0.0])
            self._whole += whole
            try:
                return inner(*args, **kwargs)
            finally:
                self._whole -= whole
                start, nested = self._stack.pop()
                spent = time.perf_counter() - start
                self.seconds[stage] = self.seconds.get(stage, 0.0) + spent - nested
                if self._stack:
                    self._stack[-1][1] += spent

        setattr(owner, attribute, timed)

    def restore(self) -> None:
        """Undo every wrap, last first: an owner's own attribute (a module's function, a class's
        method) is put back, one it only looked up (an instance's method) is removed again."""
        for owner, attribute, own in reversed(self._wrapped):
            if own is None:
                delattr(owner, attribute)
            else:
                setattr(owner, attribute, own)
        self._wrapped.clear()


def profile(detector: Detector, texts: list[str]) -> dict[str, float]:
    """Where one pipeline pass spends its time, stage by stage (seconds; `other` is the rest:
    batching, the sentence reports, evidence merging, the generator's own work)."""
    import detector.pipeline as pipeline_module
    from detector.evidence.duplicates import DuplicateFinder
    from detector.scoring.context_check import ContextCheck
    from detector.scoring.pair_tokens import PairTokenizer

    timer = StageTimer()
    predictor = detector.predictor
    timer.wrap(detector, "record_document", "decode and segment")
    timer.wrap(predictor, "tokenize", "tokenise")
    timer.wrap(PairTokenizer, "learn", "tokenise")  # each distinct sentence's pieces, one call
    timer.wrap(PairTokenizer, "batch", "tokenise")  # the pairs assembled from them
    timer.wrap(ContextCheck, "apply", "context check (lone re-reads, forward included)", whole=True)
    timer.wrap(predictor, "run_batch", "classifier forward")
    timer.wrap(predictor, "lexical_logits_in_documents", "lexical MT hashing")
    timer.wrap(predictor, "stack_lexical", "stack and calibrate")
    timer.wrap(predictor, "calibrate", "stack and calibrate")
    timer.wrap(predictor, "document_mt_logit", "document-level lexical MT")
    for finder in detector.finders:
        timer.wrap(finder, "find_many", f"finder: {finder.name}")
        if isinstance(finder, DuplicateFinder):
            timer.wrap(finder.encoder, "encode", "duplicate encoder pass")
    timer.wrap(pipeline_module, "summarise", "features, head, verdict")
    timer.wrap(pipeline_module, "sentence_scores", "sentence reports")
    timer.wrap(pipeline_module, "swapped_words", "sentence reports")
    try:
        records = [TextRecord(id=str(i), text=t.encode("utf-8")) for i, t in enumerate(texts)]
        started = time.perf_counter()
        serialising = 0.0
        for _, report in detector.score_many(records):
            t0 = time.perf_counter()
            json.dumps(report.to_dict(), ensure_ascii=False)
            serialising += time.perf_counter() - t0
        total = time.perf_counter() - started
    finally:
        timer.restore()
    stages = dict(timer.seconds)
    stages["serialise (JSONL)"] = serialising
    stages["other"] = total - sum(stages.values())
    stages["total"] = total
    return stages


def roc_auc(pos: np.ndarray, neg: np.ndarray) -> float | None:
    if len(pos) == 0 or len(neg) == 0:
        return None
    scores = np.concatenate([pos, neg])
    ranks = scores.argsort().argsort() + 1.0
    return float((ranks[: len(pos)].sum() - len(pos) * (len(pos) + 1) / 2) / (len(pos) * len(neg)))


def corpus_auc(detector: Detector, corpus_dir: str, limit: int) -> dict:
    from datasets import load_from_disk

    test = load_from_disk(corpus_dir)["test"]
    if limit:
        test = test.select(range(min(limit, len(test))))
    probs = detector.predictor.predict(test["sentence"], test["context"])
    labels = np.asarray(test["labels"])
    outputs = detector.predictor.config.outputs
    return {name: roc_auc(probs[labels[:, k] == 1, k], probs[labels[:, k] == 0, k]) for k, name in enumerate(outputs)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="default")
    parser.add_argument("--docs", type=int, default=60)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--data-dir", default=str(ROOT.parent / "shared" / "data"))
    parser.add_argument("--corpus", help="a corpus saved by training.corpus, for ROC-AUC per variant")
    parser.add_argument("--eval-examples", type=int, default=0, help="test examples for ROC-AUC (0: all)")
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "throughput"))
    args = parser.parse_args()
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    texts = documents(args.docs, Path(args.data_dir))
    detectors = {}
    for name, options in VARIANTS.items():
        try:
            detectors[name] = Detector.from_pretrained(args.model, batch_size=args.batch_size, **options)
        except ImportError as exc:  # the ONNX Runtime row needs the optional extra
            print(f"{name} skipped: {exc}", file=sys.stderr)
    if detectors[BASE].predictor is None:
        raise SystemExit(f"{args.model} has no classifier (the evidence baseline): nothing to time")
    for det in detectors.values():  # warm-up
        pipeline(det, texts[:2])
        bare_forward(det, texts[:2], args.batch_size)
    times: dict[str, dict[str, list[float]]] = {k: {"forward": [], "pipeline": []} for k in detectors}
    sentences = 0
    for _ in range(args.repeats):  # interleaved, so drift of the machine hits every variant alike
        for name, det in detectors.items():
            seconds, sentences = bare_forward(det, texts, args.batch_size)
            times[name]["forward"].append(seconds)
            seconds, _ = pipeline(det, texts)
            times[name]["pipeline"].append(seconds)
    rate = {k: {m: sentences / statistics.median(v) for m, v in d.items()} for k, d in times.items()}
    segmented = [segment(t) for t in texts[:40]]
    sents = [s.text for d in segmented for s in d.sentences]
    ctxs = [d.context(s.index, 1) for d in segmented for s in d.sentences]
    reference = detectors[BASE].predictor.predict(sents, ctxs)
    diff = {k: round(float(np.abs(d.predictor.predict(sents, ctxs) - reference).max()), 4) for k, d in detectors.items()}
    aucs = {k: corpus_auc(d, args.corpus, args.eval_examples) for k, d in detectors.items()} if args.corpus else {}
    profiles = {k: profile(d, texts) for k, d in detectors.items()}
    result = {
        "command": "python " + " ".join(sys.argv),
        "date": f"{datetime.now(timezone.utc):%Y-%m-%d %H:%M UTC}",
        "machine": f"{describe_machine(torch.get_num_threads())}, torch {torch.__version__}",
        "device": torch.cuda.get_device_name(0) if torch.cuda.is_available() else "cpu",
        "model": detectors[BASE].name,
        "batch_size": args.batch_size,
        "documents": len(texts),
        "sentences": sentences,
        "repeats": args.repeats,
        "sentences_per_s": {k: {m: round(v, 1) for m, v in d.items()} for k, d in rate.items()},
        "pipeline_over_forward": {k: round(d["pipeline"] / d["forward"], 3) for k, d in rate.items()},
        "speedup_over_torch_fp32": {k: {m: round(rate[k][m] / rate[BASE][m], 2) for m in ("forward", "pipeline")} for k in rate},
        "max_probability_difference": diff,
        "roc_auc": aucs,
        "profile_seconds": {k: {stage: round(v, 3) for stage, v in p.items()} for k, p in profiles.items()},
    }
    lines = [
        "# Batch throughput: pipeline vs bare forward, per runtime",
        "",
        f"- command: `{result['command']}`",
        f"- date: {result['date']}; machine: {result['machine']}; device: {result['device']}",
        f"- model: {result['model']}; {len(texts)} documents, {sentences} sentences; batch size {args.batch_size}; median of {args.repeats} interleaved repeats",
        "",
        "| variant | bare forward (sent/s) | pipeline (sent/s) | pipeline / forward | pipeline speed-up over torch fp32 | max prob. diff |",
        "|---|---|---|---|---|---|",
        *[
            f"| {k} | {rate[k]['forward']:.1f} | {rate[k]['pipeline']:.1f} | {rate[k]['pipeline'] / rate[k]['forward']:.2f} "
            f"| {rate[k]['pipeline'] / rate[BASE]['pipeline']:.2f}x | {diff[k]:.4f} |"
            for k in rate
        ],
        "",
        f"Probability differences against torch fp32 on {len(sents)} sentences.",
        "",
    ]
    names = list(profiles)
    stages = [stage for stage in profiles[BASE] if stage != "total"]
    lines += [
        "Where the pipeline's time goes (one more pass over the same documents, each stage's own time,",
        "nested stages subtracted; share of the pass):",
        "",
        "| stage | " + " | ".join(names) + " |",
        "|---" * (len(names) + 1) + "|",
        *[
            f"| {stage} | "
            + " | ".join(f"{profiles[k].get(stage, 0.0):.2f} s ({profiles[k].get(stage, 0.0) / profiles[k]['total']:.0%})" for k in names)
            + " |"
            for stage in stages
        ],
        "| total | " + " | ".join(f"{profiles[k]['total']:.2f} s" for k in names) + " |",
        "",
    ]
    if aucs:
        names = list(aucs)
        lines += ["| output | " + " | ".join(f"ROC-AUC {k}" for k in names) + " |", "|---" * (len(names) + 1) + "|"]
        for output in aucs[BASE]:
            cells = [f"{aucs[k][output]:.4f}" if aucs[k][output] is not None else "n/a" for k in names]
            lines.append(f"| {output} | " + " | ".join(cells) + " |")
        lines.append("")
    write_report(Path(args.out), lines, result)


if __name__ == "__main__":
    main()
