"""Provenance measured on copies whose sources and alignments are known.

    python -m training.evaluate_provenance --split validation   # select thresholds here
    python -m training.evaluate_provenance --split test --out reports/provenance-v1   # read once

Originals are runs of 12 consecutive lines of English-original WMT news (validation: WMT14-15,
test: WMT16-17). Each original gets one copy, the kinds in turn: verbatim (syndication), spun by
the embedding spinner (the one the classifier trained with), spun by the tortured-phrase spinner
(held out of training), and DeepL's real round trip through German (`via-human-de.deepl`,
line-aligned, so line i of the copy restates line i of the original). The distractors are 6-line
windows (stride 2) of other human news: WMT human translations from German (2014-2018),
English-original WMT news of the other years (2014-2018), WMT23 human references and English
sources; they share no content with the originals (windows of one file overlap one another, as a
crawl's near-duplicates do). Originals and copies are scored with
the shipped model; distractors with the evidence-only model (their artifact scores play no part).

Measured: source retrieval (a copy's original among its sources; precision over every source
reported for an original or a copy), PAN-style alignment precision, recall, granularity and
plagdet at character level over the true line pairs, the direction (P(copy) > 0.5 on the copy
side, rewritten kinds only) and the document rewrite kind against the truth.
"""

from __future__ import annotations

import argparse
import json
import pickle
import random
import time
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from detector.io.records import TextRecord
from detector.pipeline import Detector
from detector.provenance.align import AlignConfig
from detector.provenance.fingerprint import fingerprints
from detector.provenance.linker import ProvenanceConfig, link
from detector.provenance.rewrite import SPUN, TRANSLATED, VERBATIM
from detector.provenance.word_diff import word_diff
from detector.scoring.weights import BASE_ENCODER
from training.config import DEFAULT_DATA_DIR, CorpusConfig
from training.sources import tortured_phrases
from training.spinning import WordSwapSpinner, load_or_build_embedding_thesaurus, tortured_thesaurus

YEARS = {"validation": ("wmt14", "wmt15"), "test": ("wmt16", "wmt17")}
DOC_LINES = 12
DISTRACTOR_LINES, DISTRACTOR_STRIDE = 6, 2
KINDS = ("verbatim", "spun-embedding", "spun-tortured", "deepl-roundtrip")
TRUE_REWRITE = {"verbatim": VERBATIM, "spun-embedding": SPUN, "spun-tortured": SPUN, "deepl-roundtrip": TRANSLATED}
SIMILARITIES = (0.65, 0.7, 0.72, 0.75, 0.8)
MIN_CHANGED = 0.1  # a copy with fewer of its words rewritten is judged as verbatim: no direction


def _lines(path: Path) -> list[str]:
    return [x.strip() for x in path.read_text(encoding="utf-8").splitlines()]


@dataclass
class Case:
    original: int  # positions in the collection
    copy: int
    kind: str


def build(data_dir: Path, split: str, max_distractors: int, seed: int = 0):
    """(texts, ids, cases, line offsets per document): originals, copies, then distractors."""
    rng = random.Random(seed)
    embedding = WordSwapSpinner(load_or_build_embedding_thesaurus(CorpusConfig().cache_dir, BASE_ENCODER), rate=0.3)
    tortured = WordSwapSpinner(tortured_thesaurus(tortured_phrases(data_dir)), rate=0.6)
    texts: list[list[str]] = []
    ids: list[str] = []
    cases: list[Case] = []
    k = 0
    for year in YEARS[split]:
        folder = data_dir / "wmt-ht-mt" / "train"
        human = _lines(folder / f"{year}.en-original.human.en")
        deepl = _lines(folder / f"{year}.en-original.via-human-de.deepl.en")
        for lo in range(0, len(human) - DOC_LINES + 1, DOC_LINES):
            run = [x for x in human[lo : lo + DOC_LINES]]
            if not all(run):
                continue
            kind = KINDS[k % len(KINDS)]
            k += 1
            if kind == "verbatim":
                copy = list(run)
            elif kind == "spun-embedding":
                copy = [embedding.spin(x, rng).text for x in run]
            elif kind == "spun-tortured":
                copy = [tortured.spin(x, rng).text for x in run]
            else:
                copy = deepl[lo : lo + DOC_LINES]
            texts += [run, copy]
            ids += [f"{year}:{lo}", f"{year}:{lo}:{kind}"]
            cases.append(Case(len(texts) - 2, len(texts) - 1, kind))
    pool_files = sorted((data_dir / "wmt-ht-mt").glob("*/*.de-original.human-translation.en"))
    # English-original news of the years this split's originals are not drawn from: other articles.
    pool_files += sorted(
        path for path in (data_dir / "wmt-ht-mt").glob("*/*.en-original.human.en") if path.name.split(".")[0] not in YEARS[split]
    )
    pool_files += sorted((data_dir / "wmt23").glob("*.human-reference.en")) + [data_dir / "wmt23" / "en-original.human.en"]
    windows = []
    for path in pool_files:
        lines = [x for x in _lines(path) if x]
        windows += [
            (path.name, lo, lines[lo : lo + DISTRACTOR_LINES]) for lo in range(0, len(lines) - DISTRACTOR_LINES + 1, DISTRACTOR_STRIDE)
        ]
    rng.shuffle(windows)
    for name, lo, run in windows[:max_distractors]:
        texts.append(run)
        ids.append(f"distractor:{name}:{lo}")
    return ["\n".join(t) for t in texts], ids, cases, [_line_offsets(t) for t in texts]


def _line_offsets(lines: list[str]) -> list[tuple[int, int]]:
    out, at = [], 0
    for line in lines:
        out.append((at, at + len(line)))
        at += len(line) + 1
    return out


def score(texts: list[str], ids: list[str], n_test: int, model: str | None) -> list:
    test_model = Detector.from_pretrained(model)
    evidence = Detector.from_pretrained("evidence-baseline")
    records = [TextRecord(id=i, text=t) for i, t in zip(ids, texts)]
    reports = [r for _, r in test_model.score_many(records[:n_test])]
    reports += [r for _, r in evidence.score_many(records[n_test:])]
    return test_model, reports


def _overlap(a: tuple[int, int], b: tuple[int, int]) -> int:
    return max(0, min(a[1], b[1]) - max(a[0], b[0]))


def plagdet(cases: list[Case], sources: list, reports: list, offsets: list) -> dict:
    """PAN text-alignment measures at character level: a case is one true line pair (copy line,
    source line); a detection is one aligned sentence pair the copy reports, against any source."""
    case_recall, det_precision, granularity = [], [], []
    for case in cases:
        copy_report, source_id = reports[case.copy], reports[case.original].id
        copy_lines, source_lines = offsets[case.copy], offsets[case.original]
        by_index = {s.index: s for s in copy_report.sentences}
        detections = []
        for match in sources[case.copy]:
            for pair in match.pairs:
                s = by_index[pair.sentence]
                detections.append((match.id == source_id, (s.start, s.end), (pair.source_start, pair.source_end)))
        for c_line, s_line in zip(copy_lines, source_lines):
            if c_line[1] == c_line[0]:
                continue
            hits = [d for d in detections if d[0] and _overlap(d[1], c_line) and _overlap(d[2], s_line)]
            covered = _covered([d[1] for d in hits], c_line) + _covered([d[2] for d in hits], s_line)
            case_recall.append(covered / ((c_line[1] - c_line[0]) + (s_line[1] - s_line[0])))
            if hits:
                granularity.append(len(hits))
        for right_source, c_span, s_span in detections:
            inside = 0
            if right_source:
                inside = sum(
                    _overlap(c_span, c) + _overlap(s_span, s)
                    for c, s in zip(copy_lines, source_lines)
                    if _overlap(c_span, c) and _overlap(s_span, s)
                )
            det_precision.append(min(1.0, inside / max(1, (c_span[1] - c_span[0]) + (s_span[1] - s_span[0]))))
    recall = float(np.mean(case_recall)) if case_recall else 0.0
    precision = float(np.mean(det_precision)) if det_precision else 0.0
    gran = float(np.mean(granularity)) if granularity else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "granularity": gran, "plagdet": f1 / np.log2(1 + gran), "cases": len(case_recall)}


def _covered(spans: list[tuple[int, int]], within: tuple[int, int]) -> int:
    marks = np.zeros(within[1] - within[0], dtype=bool)
    for a, b in spans:
        marks[max(a, within[0]) - within[0] : max(0, min(b, within[1]) - within[0])] = True
    return int(marks.sum())


def measure(cases: list[Case], sources: list, reports: list, offsets: list, n_test: int, changed: dict[int, float]) -> dict:
    """`changed`: each case's share of copy words not kept (by copy position); the direction is
    judged on copies with at least MIN_CHANGED of their words rewritten (less is a verbatim copy)."""
    truth = {(c.copy, c.original) for c in cases} | {(c.original, c.copy) for c in cases}
    position = {r.id: i for i, r in enumerate(reports)}
    reported = [(i, position[m.id]) for i in range(n_test) for m in sources[i]]
    true_found = sum((i, j) in truth for i, j in reported)
    out: dict = {"precision": true_found / len(reported) if reported else 0.0, "by_kind": {}}
    for kind in KINDS:
        mine = [c for c in cases if c.kind == kind]
        found = [c for c in mine if any(position[m.id] == c.original for m in sources[c.copy])]
        kinds, right, conf = [], [], []
        for c in found:
            match = next(m for m in sources[c.copy] if position[m.id] == c.original)
            kinds.append(match.rewrite)
            if changed[c.copy] >= MIN_CHANGED:
                right.append(match.copy_confidence > 0.5)
                conf.append(match.copy_confidence)
        out["by_kind"][kind] = {
            "copies": len(mine),
            "recall": len(found) / len(mine) if mine else 0.0,
            "alignment": plagdet(mine, sources, reports, offsets),
            "rewrite_kind_right": sum(k == TRUE_REWRITE[kind] for k in kinds) / len(kinds) if kinds else 0.0,
            "rewrite_kinds": {k: kinds.count(k) for k in sorted(set(kinds))},
            "direction_judged": len(right),
            "direction_right": sum(right) / len(right) if right else None,
            "mean_copy_confidence": float(np.mean(conf)) if conf else None,
        }
    rewritten = [c for c in cases if c.kind != "verbatim"]
    out["alignment_all_rewritten"] = plagdet(rewritten, sources, reports, offsets)
    judged = [v["direction_judged"] for v in out["by_kind"].values()]
    out["direction_right"] = (
        sum(v["direction_right"] * n for v, n in zip(out["by_kind"].values(), judged) if n) / sum(judged) if sum(judged) else None
    )
    return out


def changed_words(texts: list[str], cases: list[Case], offsets: list) -> dict[int, float]:
    """Each copy's share of words not kept in place from its original's lines (by copy position):
    how much rewriting there is to find (the tortured-phrase spinner knows few news words)."""
    out = {}
    for c in cases:
        kept = total = 0
        for (a0, a1), (b0, b1) in zip(offsets[c.copy], offsets[c.original]):
            diff = word_diff(texts[c.copy][a0:a1], texts[c.original][b0:b1])
            kept += diff.matched_words
            total += max(diff.copy_words, diff.source_words)
        out[c.copy] = 1 - kept / total if total else 0.0
    return out


def markdown(summary: dict, args) -> str:
    lines = [
        f"# Provenance on known copies: {summary['split']} ({', '.join(summary['years'])})",
        "",
        f"- command: `python -m training.evaluate_provenance --split {args.split} --distractors {args.distractors}"
        f"{' --out ' + args.out if args.out else ''}`; {time.strftime('%Y-%m-%d', time.gmtime())}",
        f"- {summary['originals']} originals (12 lines each), one copy each, {summary['distractors']:,} distractor documents "
        f"({summary['documents']:,} in all); how the set is built: `training/evaluate_provenance.py`",
        "- share of copy words rewritten: " + ", ".join(f"{k} {v:.0%}" for k, v in summary["changed_words"].items()),
        f"- scoring {summary['score_seconds'] / 60:.0f} min, fingerprints (one encoder pass) {summary['fingerprint_seconds'] / 60:.0f} min (2 cores)",
        "",
    ]
    for sim, r in summary["results"].items():
        a = r["alignment_all_rewritten"]
        lines += [
            f"## min_similarity {sim}",
            "",
            f"- source precision (every source reported for an original or a copy): {r['precision']:.3f}",
            f"- alignment over all rewritten copies: precision {a['precision']:.3f}, recall {a['recall']:.3f}, "
            f"granularity {a['granularity']:.3f}, plagdet {a['plagdet']:.3f} ({a['cases']} line pairs)",
            f"- direction right (copies with >= {MIN_CHANGED:.0%} of words rewritten): {r['direction_right'] if r['direction_right'] is None else format(r['direction_right'], '.3f')}",
            f"- linking {r['link_seconds']:.0f} s",
            "",
            "| copy kind | copies | source recall | plagdet | rewrite kind right | kinds given | direction right (judged) |",
            "|---|---:|---:|---:|---:|---|---:|",
        ]
        for kind, v in r["by_kind"].items():
            d = "n/a" if v["direction_right"] is None else f"{v['direction_right']:.3f} ({v['direction_judged']})"
            kinds = ", ".join(f"{k} {n}" for k, n in v["rewrite_kinds"].items())
            lines.append(
                f"| {kind} | {v['copies']} | {v['recall']:.3f} | {v['alignment']['plagdet']:.3f} | {v['rewrite_kind_right']:.2f} | {kinds} | {d} |"
            )
        lines.append("")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--split", choices=tuple(YEARS), default="validation")
    parser.add_argument("--data-dir", default=str(DEFAULT_DATA_DIR))
    parser.add_argument("--distractors", type=int, default=10_000)
    parser.add_argument("--model", default=None)
    parser.add_argument("--out", default=None, help="write <out>.json and <out>.md")
    args = parser.parse_args()
    started = time.time()
    texts, ids, cases, offsets = build(Path(args.data_dir), args.split, args.distractors)
    n_test = 2 * len(cases)
    cache = Path(CorpusConfig().cache_dir) / f"provenance-{args.split}-{args.distractors}-{args.model or 'default'}.pkl"
    if cache.exists():  # scoring and embedding are the slow part; the sweep over thresholds is not
        detector = Detector.from_pretrained("evidence-baseline")
        reports, fps, timings = pickle.loads(cache.read_bytes())
    else:
        detector, reports = score(texts, ids, n_test, args.model)
        scored = time.time()
        fps = fingerprints(reports, detector.encoder)
        timings = {"score_seconds": scored - started, "fingerprint_seconds": time.time() - scored}
        cache.parent.mkdir(parents=True, exist_ok=True)
        cache.write_bytes(pickle.dumps((reports, fps, timings)))
    results = {}
    changed = changed_words(texts, cases, offsets)
    sims = SIMILARITIES if args.split == "validation" else (ProvenanceConfig().align.min_similarity,)
    for sim in sims:
        config = replace(ProvenanceConfig(), align=AlignConfig(min_similarity=sim))
        t0 = time.time()
        sources = link(reports, detector.encoder, config, fps=fps)
        results[str(sim)] = {**measure(cases, sources, reports, offsets, n_test, changed), "link_seconds": time.time() - t0}
        print(json.dumps({"min_similarity": sim, **{k: v for k, v in results[str(sim)].items() if k != "by_kind"}}, default=float))
        for kind, v in results[str(sim)]["by_kind"].items():
            print(
                f"  {kind:16} recall {v['recall']:.3f} plagdet {v['alignment']['plagdet']:.3f} kind {v['rewrite_kind_right']:.2f} {v['rewrite_kinds']} direction {v['direction_right']}"
            )
    summary = {
        "split": args.split,
        "years": YEARS[args.split],
        "originals": len(cases),
        "distractors": len(texts) - n_test,
        "documents": len(texts),
        **timings,
        "changed_words": {k: float(np.mean([changed[c.copy] for c in cases if c.kind == k])) for k in KINDS},
        "results": results,
    }
    if args.out:
        Path(args.out).with_suffix(".json").write_text(json.dumps(summary, indent=2, default=float) + "\n")
        Path(args.out).with_suffix(".md").write_text(markdown(summary, args))


if __name__ == "__main__":
    main()
