"""Fit the document head's bars for short documents (validation data only), and check them.

    python -m training.fit_short_bars [--model detector/models/default] [--write] [--report reports/short-documents]
    python -m training.fit_short_bars --mt-check --write   # the head `--mt-check` uses (round trips cached)

The head's threshold on 1 - P(clean) is fitted on validation documents of 10 to 30 lines
(`document_blocks`). Cut to their first 2-9 lines, clean validation blocks were called something
other than clean 12-25% of the time at it (research/short-texts.md), against 7% at 10 lines: a mean
over a few sentences swings wider. So a document of few content sentences needs a higher bar.

Validation blocks (10 lines of one text; every generator, clean and machine translated) are cut to
their first k lines, k = 2..9, and scored as documents. The blocks are split in two by their order:
the bars are fitted on one half, each the lowest that keeps that half's clean documents of its
length within the release config's bounds (`max_document_fpr` for all clean ones, and each
generator's own, as the threshold itself is fitted), never under the threshold; the other half
checks them. `--write` saves the head with its bars into the model folder (its document_head.json,
nothing else). With `--mt-check` the same is done for the head that reads the round-trip
similarity (document_head_mt_check.json); a document with no sentence the round trip can read is
judged by the default head, as `detector score --mt-check` judges it, and fits nothing here.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from detector.document.features import content_sentences, document_features
from detector.document.head import DocumentHead, not_clean, save_head
from detector.labels import MACHINE_TRANSLATED, VERDICT_CLEAN

from .config import TrainConfig
from .sources import VALIDATION, all_blocks
from .train import bounded_threshold

ROOT = Path(__file__).resolve().parents[1]
CUTS = tuple(range(2, 11))  # lines a block is cut to (10: the whole block, where the threshold applies)
BUCKETS = (3, 6, 9)  # most content sentences of each bar; from 10 on, the threshold
HEAD_TITLES = {"document_head_mt_check": " (the head `--mt-check` uses)", "document_head_lm": " (the head `--lm` uses)"}
SPANS = {most: f"{low + 1}-{most}" for low, most in zip((0, *BUCKETS), BUCKETS)}  # "1-3", "4-6", "7-9"


@dataclass
class ShortDocument:
    half: int  # 0: fits the bars, 1: checks them
    generator: str
    clean: bool
    lines: int
    content: int  # content sentences
    learned: bool  # long enough for learned scores (document/confidence.py)
    score: float  # the head's 1 - P(clean)
    likelier: str  # the head's likelier artifact class
    judged: bool = True  # by the head being fitted (with --mt-check: some sentence was round-tripped)


def short_documents(detector, config: TrainConfig, mt_blocks: int, mt_check: bool = False, lm_reader=None) -> list[ShortDocument]:
    """Validation blocks cut to their first k lines, each with what the head being fitted makes of
    it (`head_call`); `lm_reader` (texts -> `features.LM_STRONGEST` of each) for the head `--lm` uses."""
    corpus = config.corpus
    blocks = [b for b in all_blocks(corpus.data_dir, corpus.block_lines, corpus.validation_share) if b.split == VALIDATION]
    blocks = [b for b in blocks if len(b.lines) >= max(CUTS)]  # every cut of a block, so the lengths compare
    clean = [b for b in blocks if not b.machine_translated]
    mt = [b for b in blocks if b.machine_translated]
    mt = mt[:: max(1, len(mt) // mt_blocks)][:mt_blocks]
    chosen = [(i % 2, b) for group in (clean, mt) for i, b in enumerate(group)]
    texts = [("\n".join(b.lines[:k]), half, b, k) for half, b in chosen for k in CUTS]
    out = []
    lm_strongest = lm_reader([t for t, *_ in texts]) if lm_reader is not None else [None] * len(texts)
    for (_, report), (_, half, block, k), strongest in zip(detector.score_many(t for t, *_ in texts), texts, lm_strongest):
        call = head_call(detector, report, mt_check, strongest)
        out.append(
            ShortDocument(
                half,
                block.generator,
                not block.machine_translated,
                k,
                report.content_sentences,
                call.learned,
                call.score,
                call.likelier,
                call.judged,
            )
        )
    return out


@dataclass(frozen=True)
class HeadCall:
    """What a document head makes of a scored document, read from its report."""

    head: DocumentHead  # the head that judges it
    score: float  # 1 - P(clean)
    likelier: str  # the likelier artifact class
    learned: bool  # long enough for learned scores (document/confidence.py)
    judged: bool  # by the head asked for (with mt_check: some sentence was round-tripped)


def head_call(detector, report, mt_check: bool = False, lm_strongest: float | None = None) -> HeadCall:
    """The default head's call on `report`, or with `mt_check` the MT-check head's where the round
    trip read a sentence (else the default head's, as `detector score --mt-check` judges it); with
    `lm_strongest` (the language model's reading of every content sentence), the `--lm` head's."""
    threshold = detector.config.threshold
    similarity = (report.mt_check or {}).get("similarity")
    judged = not mt_check or similarity is not None
    head = detector.mt_check_head if mt_check and judged else detector.document_head
    if lm_strongest is not None:
        head = detector.lm_document_head
    document_mt = detector.document_mt_logit(report.sentences, threshold)
    probs = head.probabilities(
        document_features(
            report.sentences, threshold, roundtrip=similarity if judged else None, document_mt=document_mt, lm_strongest=lm_strongest
        )
    )
    likelier = max((c for c in probs if c != VERDICT_CLEAN), key=probs.get)
    learned = any(s.learned for s in content_sentences(report.sentences, threshold))
    return HeadCall(head, not_clean(probs), likelier, learned, judged)


def bucket(content: int) -> int | None:
    return next((most for most in BUCKETS if content <= most), None)


def fit_bars(head: DocumentHead, docs: list[ShortDocument], config: TrainConfig) -> DocumentHead:
    bars = []
    for most in BUCKETS:
        group = [d for d in docs if d.half == 0 and d.learned and d.judged and bucket(d.content) == most]
        scores = np.array([d.score for d in group])
        clean = np.array([d.clean for d in group])
        generators = np.array([d.generator for d in group])
        bar = bounded_threshold(scores, clean, generators, config) if clean.any() else head.threshold
        bars.append((most, round(max(bar, head.threshold), 4)))
    return replace(head, short_bars=tuple(bars))


def rates(docs: list[ShortDocument], head: DocumentHead, half: int, fallback: DocumentHead | None = None) -> dict:
    """Per bucket, in one half: clean documents called anything but clean per clean generator, and
    machine-translated ones called MT, at the threshold alone and at the bars (a document too short
    for learned scores: never by the head). A document the head does not judge (`judged` False) is
    held to `fallback`'s bars, as the detector holds it."""
    fallback = fallback or head

    def bar(d: ShortDocument, bars: bool) -> float:
        judge = head if d.judged else fallback
        return judge.bar(d.content) if bars else judge.threshold

    out = {}
    for most in (*BUCKETS, None):  # None: 10 content sentences or more, the threshold's own
        group = [d for d in docs if d.half == half and bucket(d.content) == most]

        def called(d: ShortDocument, bar: float) -> bool:
            return d.learned and d.score >= bar

        row: dict = {"documents": len(group)}
        for g in sorted({d.generator for d in group if d.clean}):
            row[f"{g} documents"] = sum(d.clean and d.generator == g for d in group)
        row["machine translated documents"] = sum(not d.clean for d in group)
        for name, bar_of in (("threshold", lambda d: bar(d, False)), ("bars", lambda d: bar(d, True))):
            for g in sorted({d.generator for d in group if d.clean}):
                clean = [d for d in group if d.clean and d.generator == g]
                row[f"{g} called anything but clean, {name}"] = float(np.mean([called(d, bar_of(d)) for d in clean]))
            mt = [d for d in group if not d.clean]
            row[f"machine translated called MT, {name}"] = float(
                np.mean([called(d, bar_of(d)) and d.likelier == MACHINE_TRANSLATED for d in mt])
            )
        out[most] = row
    return out


def report_lines(result: dict) -> list[str]:
    lines = [
        "# Short documents: the document head's bars by length" + HEAD_TITLES.get(result.get("head"), ""),
        "",
        f"- command: `{result['command']}`; date: {result['date']}; model: {result['model']}",
        f"- validation blocks cut to their first {CUTS[0]}-{CUTS[-1]} lines and scored as documents; blocks split in"
        " two halves, the bars fitted on the first, checked on the second (never the test split)",
        f"- threshold {result['threshold']:.4f}; bars (most content sentences, bar): {result['short_bars']}",
        "",
    ]
    for half in ("fit", "check"):
        table = result[half]
        counts = sorted({c for row in table.values() for c in row if c.endswith("documents") and c != "documents"})
        columns = counts + sorted({c for row in table.values() for c in row if not c.endswith("documents")})
        lines += [
            f"## {half} half",
            "",
            "| content sentences | documents | " + " | ".join(columns) + " |",
            "|---|---:|" + "---:|" * len(columns),
        ]
        for most, row in table.items():
            span = SPANS.get(most, f"{BUCKETS[-1] + 1} or more")
            cells = [str(row.get(c, 0)) if c in counts else f"{row.get(c, float('nan')):.3f}" for c in columns]
            lines.append(f"| {span} | {row['documents']} | " + " | ".join(cells) + " |")
        lines.append("")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default=str(ROOT / "detector" / "models" / "default"))
    parser.add_argument("--config", default=str(ROOT / "configs" / "release.yaml"))
    parser.add_argument("--mt-blocks", type=int, default=160, help="machine-translated validation blocks (all clean ones are used)")
    parser.add_argument("--mt-check", action="store_true", help="fit the bars of the head that `--mt-check` uses")
    parser.add_argument("--write", action="store_true", help="save the head with its bars into the model folder")
    parser.add_argument("--report", help="default: reports/short-documents, or reports/short-documents-mt-check")
    args = parser.parse_args()
    from detector import Detector

    config = TrainConfig.from_yaml(args.config)
    report = args.report or str(ROOT / "reports" / ("short-documents-mt-check" if args.mt_check else "short-documents"))
    if args.mt_check:
        from detector.scoring.mt_check import MarianRoundTrip

        detector = Detector.from_pretrained(args.model, mt_check=True)
        detector.roundtrip = MarianRoundTrip(config.corpus.cache_dir)  # the round trips training made, and new ones, kept
        head = detector.mt_check_head = replace(detector.mt_check_head, short_bars=())
    else:
        detector = Detector.from_pretrained(args.model)
        head = detector.document_head = replace(detector.document_head, short_bars=())
    docs = short_documents(detector, config, args.mt_blocks, args.mt_check)
    fitted = fit_bars(head, docs, config)
    fallback = detector.document_head if args.mt_check else None
    result = {
        "command": "python -m training.fit_short_bars " + " ".join(sys.argv[1:]),
        "date": f"{datetime.now(timezone.utc):%Y-%m-%d %H:%M UTC}",
        "model": detector.name,
        "threshold": head.threshold,
        "short_bars": [list(x) for x in fitted.short_bars],
        "head": "document_head_mt_check" if args.mt_check else "document_head",
        "fit": rates(docs, fitted, 0, fallback),
        "check": rates(docs, fitted, 1, fallback),
    }
    Path(report).with_suffix(".json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    Path(report).with_suffix(".md").write_text("\n".join(report_lines(result)), encoding="utf-8")
    print("\n".join(report_lines(result)))
    if args.write:
        save_head(args.model, result["head"], fitted)
        print(f"wrote the head with its bars into {args.model}")


if __name__ == "__main__":
    main()
