"""Evaluate a trained model on held-out data and write a report to reports/.

    python -m training.evaluate --model artifacts/release-model --config configs/release.yaml \
        --corpus artifacts/corpus-v9 --report reports/millcheck-minilm-v9

Measured in one run: sentence-level metrics per type and per generator on the test split (WMT18
and held-out WMT23 blocks, the held-out spinner and MT engine included), the WMT18 human vs
DeepL/Google target, document-level accuracy on held-out documents and on the seeds, the
false-positive rate on human sentences at the default threshold, and two baselines (TF-IDF +
logistic regression on the same data, and the evidence finders alone).
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from collections import Counter, defaultdict
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import torch
from sklearn.metrics import roc_auc_score

from detector import Detector
from detector.document.features import content_sentences
from detector.labels import ARTIFACT_TYPES, MACHINE_TRANSLATED, SPUN, VERDICT_CLEAN, VERDICT_MACHINE_TRANSLATED, VERDICT_SPUN
from detector.scoring.configuration import OVERALL
from detector.scoring.model_folder import BASELINE_MODEL_DIR
from detector.scoring.predictor import Predictor

from .baselines import TfidfBaseline
from .config import TrainConfig
from .corpus import CONTEXT_WINDOW, OUTPUTS, CorpusBuilder
from .documents import make_documents
from .lexical_mt import split_contexts
from .metrics import load_metric
from .sources import TEST

ROOT = Path(__file__).resolve().parents[1]
CLEAN_GENERATORS = ("human", "human-translation")
SEED_EXPECTED = {"000": VERDICT_SPUN, "001": VERDICT_CLEAN, "002": VERDICT_CLEAN, "003": VERDICT_MACHINE_TRANSLATED, "004": VERDICT_CLEAN}


def auc(pos: np.ndarray, neg: np.ndarray) -> float | None:
    if len(pos) == 0 or len(neg) == 0:
        return None
    return float(roc_auc_score(np.r_[np.ones(len(pos)), np.zeros(len(neg))], np.r_[pos, neg]))


def per_generator(probs: np.ndarray, labels: np.ndarray, generators: list[str], threshold: float) -> list[dict]:
    gens = np.array(generators)
    clean = labels[:, OUTPUTS.index(OVERALL)] == 0
    rows = []
    for g in sorted(set(generators)):
        mine = gens == g
        types = [t for k, t in enumerate(ARTIFACT_TYPES) if labels[mine, k].max(initial=0) > 0]
        row = {"generator": g, "n": int(mine.sum()), "types": types}
        if types:
            k = ARTIFACT_TYPES.index(types[0]) if SPUN not in types else ARTIFACT_TYPES.index(SPUN)
            pos = mine & (labels[:, k] == 1)
            row.update(
                type=ARTIFACT_TYPES[k],
                mean_prob=float(probs[pos, k].mean()),
                recall=float((probs[pos].max(axis=1) >= threshold).mean()),
                roc_auc_vs_clean=auc(probs[pos, k], probs[clean, k]),
            )
        else:
            row.update(type=None, flagged_rate=float((probs[mine].max(axis=1) >= threshold).mean()))
        rows.append(row)
    return rows


def targets(probs: np.ndarray, labels: np.ndarray, generators: list[str], sources: list[str]) -> dict:
    gens, srcs = np.array(generators), np.array(sources)
    mt, sp = ARTIFACT_TYPES.index(MACHINE_TRANSLATED), ARTIFACT_TYPES.index(SPUN)
    human_clean = np.isin(gens, CLEAN_GENERATORS)
    wmt18 = srcs == "wmt18"
    return {
        "wmt18_mt_roc_auc": auc(probs[wmt18 & np.isin(gens, ["deepl", "google"]), mt], probs[wmt18 & (gens == "human-translation"), mt]),
        "spun_roc_auc_seen_spinners": auc(
            probs[np.isin(gens, ["spinner-embedding", "spinner-roundtrip"]) & (labels[:, sp] == 1), sp], probs[human_clean, sp]
        ),
        "spun_roc_auc_held_out_spinner": auc(probs[(gens == "spinner-tortured") & (labels[:, sp] == 1), sp], probs[human_clean, sp]),
        "mt_roc_auc_held_out_engine_nllb": auc(probs[gens == "nllb", mt], probs[np.isin(gens, ["human-translation"]) & ~wmt18, mt]),
        "mt_roc_auc_all_engines": auc(
            probs[(labels[:, mt] == 1) & ~np.char.startswith(gens.astype(str), "spinner"), mt], probs[human_clean, mt]
        ),
    }


def mt_components(encoder: np.ndarray, lexical: np.ndarray, probs: np.ndarray, labels: np.ndarray, test) -> dict:
    """The MT targets for the encoder's logit alone and the lexical scorer's alone (ranks only)."""
    k = OUTPUTS.index(MACHINE_TRANSLATED)
    out = {}
    for name, logit in (("encoder", encoder), ("lexical", lexical)):
        column = probs.copy()
        column[:, k] = 1.0 / (1.0 + np.exp(-logit))
        t = targets(column, labels, test["generator"], test["source"])
        out[name] = {key: t[key] for key in ("wmt18_mt_roc_auc", "mt_roc_auc_held_out_engine_nllb", "mt_roc_auc_all_engines")}
    return out


def document_accuracy(detector: Detector, docs) -> dict:
    """Verdict accuracy per generator, and how well the document score (and, apart, the
    document-level lexical MT logit) ranks machine-translated documents above clean ones: a ranking
    that holds while the verdicts miss says the threshold, not the signal, is at fault."""
    per_gen: dict[str, list[bool]] = defaultdict(list)
    clean_flags = []
    ranked: list[tuple[bool, float, float | None]] = []  # (is MT, document score, document-level logit)
    for d in docs:
        report = detector.score(d.text)
        per_gen[d.generator].append(report.verdict == d.expected)
        if d.expected == VERDICT_CLEAN:
            clean_flags += [s.score >= report.threshold for s in content_sentences(report.sentences, report.threshold)]
        if d.expected in (VERDICT_CLEAN, VERDICT_MACHINE_TRANSLATED):
            logit = detector.document_mt_logit(report.sentences, report.threshold)
            ranked.append((d.expected == VERDICT_MACHINE_TRANSLATED, report.score, logit))
    flat = [x for v in per_gen.values() for x in v]
    is_mt = np.array([r[0] for r in ranked], dtype=bool)
    logits = [r[2] for r in ranked]
    accuracy = float(np.mean(flat))
    return {
        "accuracy": accuracy,
        "n": len(flat),
        # binomial standard error: with 20 documents per generator one is about 0.035
        "standard_error": float(np.sqrt(accuracy * (1 - accuracy) / len(flat))),
        "per_generator": {g: {"accuracy": float(np.mean(v)), "n": len(v)} for g, v in sorted(per_gen.items())},
        "fpr_human_sentences_in_clean_documents": float(np.mean(clean_flags)) if clean_flags else None,
        "mt_vs_clean_roc_auc": {
            "document_score": _roc_auc(is_mt, [r[1] for r in ranked]),
            "document_lexical": _roc_auc(is_mt, logits) if logits and None not in logits else None,
        },
    }


def _roc_auc(positive: np.ndarray, scores) -> float | None:
    return float(roc_auc_score(positive, scores)) if 0 < positive.sum() < len(positive) else None


def seed_verdicts(detector: Detector) -> dict:
    out = {}
    for path in sorted((ROOT / "seeds").glob("*.txt")):
        report = detector.score(path.read_text(encoding="utf-8"))
        key = path.name[:3]
        out[key] = {"verdict": report.verdict, "expected": SEED_EXPECTED.get(key), "score": round(report.score, 4), "counts": report.counts}
    out["accuracy"] = float(np.mean([v["verdict"] == v["expected"] for k, v in out.items() if isinstance(v, dict)]))
    return out


def evaluate(
    model_dir: str, config: TrainConfig, corpus, docs_per_kind: int = 20, mt_check: bool = False, longer: tuple[int, ...] = (2, 3)
) -> dict:
    """All measures on the test split. `longer`: also document accuracy on documents of that many
    consecutive test blocks (the target row stays one block, as in every earlier report)."""
    started = time.time()
    model = Predictor.from_pretrained(model_dir)
    threshold = model.threshold(OVERALL, 0.5)
    test = corpus["test"]
    labels = np.asarray(test["labels"], dtype=np.float32)
    sentences = list(test["sentence"])
    logits = model.predict_logits(sentences, test["context"], stack=False)  # the encoder's MT logit alone
    encoder_mt = logits[:, OUTPUTS.index(MACHINE_TRANSLATED)].copy()
    stacked = model.stacked
    if stacked:  # the scorer reads the context at its own window (training.lexical_mt.split_contexts)
        [lexical_contexts] = split_contexts([test], config.corpus, model.lexical_window or CONTEXT_WINDOW)
    lexical_mt = model.lexical.logits(sentences, lexical_contexts) if stacked else None
    probs = model.calibrate(model.stack_logits(logits, lexical_mt) if lexical_mt is not None else logits, sentences)
    metric = load_metric()
    results: dict = {
        "threshold": threshold,
        "max_fpr": config.max_fpr,
        "threshold_ceiling": config.threshold_ceiling,
        "test_examples": len(test),
        "test_generators": dict(Counter(test["generator"])),
    }
    results["model"] = {
        "sentence_metrics": metric.compute(
            predictions=probs.tolist(), references=labels.tolist(), label_names=list(OUTPUTS), threshold=threshold
        ),
        "per_generator": per_generator(probs, labels, test["generator"], threshold),
        "targets": targets(probs, labels, test["generator"], test["source"]),
        "fpr_human_sentences": float((probs[np.isin(test["generator"], CLEAN_GENERATORS)].max(axis=1) >= threshold).mean()),
    }
    if lexical_mt is not None:  # what each half of the stacked MT logit does on its own
        results["model"]["mt_components"] = mt_components(encoder_mt, lexical_mt, probs, labels, test)
    tfidf = TfidfBaseline(seed=config.seed).fit(
        corpus["train"]["sentence"], corpus["train"]["context"], np.asarray(corpus["train"]["labels"])
    )
    tprobs = tfidf.predict(test["sentence"], test["context"])
    results["tfidf_logreg"] = {
        "sentence_metrics": metric.compute(
            predictions=tprobs.tolist(), references=labels.tolist(), label_names=list(OUTPUTS), threshold=0.5
        ),
        "targets": targets(tprobs, labels, test["generator"], test["source"]),
    }
    builder = CorpusBuilder(config.corpus)
    docs = make_documents(builder, TEST, docs_per_kind, config.seed)
    detector = Detector.from_pretrained(model_dir)
    evidence_only = Detector.from_pretrained(BASELINE_MODEL_DIR)
    results["model"]["documents"] = _length_row(document_accuracy(detector, docs), docs)
    results["model"]["seeds"] = seed_verdicts(detector)
    results["evidence_only"] = {"documents": document_accuracy(evidence_only, docs), "seeds": seed_verdicts(evidence_only)}
    results["model"]["documents_by_length"] = {}
    for k in longer:
        longer_docs = make_documents(builder, TEST, docs_per_kind, config.seed, blocks_per_document=k)
        results["model"]["documents_by_length"][k] = _length_row(document_accuracy(detector, longer_docs), longer_docs)
    if mt_check:  # the same documents with the round-trip MT check on (detector/scoring/mt_check.py)
        checked = Detector.from_pretrained(model_dir, mt_check=True)
        results["model_mt_check"] = {"documents": document_accuracy(checked, docs), "seeds": seed_verdicts(checked)}
    results["runtime_s"] = time.time() - started
    return results


def _length_row(accuracy: dict, docs) -> dict:
    return {**accuracy, "mean_lines": float(np.mean([d.text.count("\n") + 1 for d in docs])) if docs else 0.0}


def _length_lines(results: dict) -> list[str]:
    """The document accuracy for one block and for longer documents, per generator."""
    rows = {1: results["documents"], **{int(k): v for k, v in results.get("documents_by_length", {}).items()}}
    if len(rows) == 1:
        return []
    gens = list(results["documents"]["per_generator"])
    lines = [
        "",
        "## Documents by length (held-out, full detector)",
        "",
        "Longer documents are consecutive test blocks of one text (WMT18: adjacent lines; WMT23: the split's next blocks of the file).",
        "",
        "| blocks | lines (mean) | n | accuracy | " + " | ".join(gens) + " |",
        "|---|---|---|---|" + "---|" * len(gens),
    ]
    for k, row in sorted(rows.items()):
        per = row["per_generator"]
        cells = " | ".join(_f(per[g]["accuracy"]) if g in per else "n/a" for g in gens)
        lines.append(f"| {k} | {row['mean_lines']:.1f} | {row['n']} | {_f(row['accuracy'])}{_se(row)} | {cells} |")
    if all("mt_vs_clean_roc_auc" in row for row in rows.values()):
        lines += [
            "",
            "How well documents are ranked, machine translated above clean (ROC-AUC; spun documents left out): by the",
            "document score (1 - P(clean) from the head), and by the document-level lexical MT scorer's logit alone.",
            "",
            "| blocks | document score | document-level lexical scorer |",
            "|---|---|---|",
        ]
        for k, row in sorted(rows.items()):
            auc = row["mt_vs_clean_roc_auc"]
            lines.append(f"| {k} | {_f(auc['document_score'])} | {_f(auc['document_lexical'])} |")
    return lines


def _f(x) -> str:
    return "n/a" if x is None else f"{x:.3f}"


def _se(row: dict) -> str:
    """ " ± standard error" where the row has one (reports from before it did not)."""
    return f" ± {row['standard_error']:.3f}" if row.get("standard_error") is not None else ""


def _component_lines(components: dict | None) -> list[str]:
    if not components:
        return []
    lines = [
        "",
        "The machine_translated output stacks the encoder's logit with the lexical scorer's (`detector/scoring/lexical_mt.py`); each alone:",
        "",
        "| MT ROC-AUC | encoder alone | lexical scorer alone |",
        "|---|---|---|",
    ]
    for key, label in (
        ("wmt18_mt_roc_auc", "WMT18 human translation vs DeepL/Google"),
        ("mt_roc_auc_held_out_engine_nllb", "held-out engine (NLLB)"),
        ("mt_roc_auc_all_engines", "all engines vs human sentences"),
    ):
        lines.append(f"| {label} | {_f(components['encoder'][key])} | {_f(components['lexical'][key])} |")
    return lines


def render_markdown(name: str, results: dict, command: str) -> str:
    m, t, e = results["model"], results["tfidf_logreg"], results["evidence_only"]
    c = results.get("model_mt_check")
    lines = [
        f"# Evaluation: {name}",
        "",
        f"- command: `{command}`",
        f"- date: {results['date']}; machine: {results['machine']}",
        f"- test examples: {results['test_examples']} (WMT18 + held-out WMT23 blocks; synthetic damage on held-out human blocks)",
        f"- default threshold (the lowest that kept validation false positives <= {results.get('max_fpr', 0.04):.0%}, "
        f"at most {results.get('threshold_ceiling', 0.95):.2f}): {results['threshold']:.3f}",
        "",
        "## Targets",
        "",
        "| measure | target | model | TF-IDF + LR | evidence only |",
        "|---|---|---|---|---|",
        f"| spun ROC-AUC, seen spinners | >= 0.90 | {_f(m['targets']['spun_roc_auc_seen_spinners'])} | {_f(t['targets']['spun_roc_auc_seen_spinners'])} | n/a |",
        f"| spun ROC-AUC, held-out spinner (tortured) | (transfer) | {_f(m['targets']['spun_roc_auc_held_out_spinner'])} | {_f(t['targets']['spun_roc_auc_held_out_spinner'])} | n/a |",
        f"| MT ROC-AUC, WMT18 human translation vs DeepL/Google | >= 0.75 | {_f(m['targets']['wmt18_mt_roc_auc'])} | {_f(t['targets']['wmt18_mt_roc_auc'])} | n/a |",
        f"| MT ROC-AUC, held-out engine (NLLB) | (transfer) | {_f(m['targets']['mt_roc_auc_held_out_engine_nllb'])} | {_f(t['targets']['mt_roc_auc_held_out_engine_nllb'])} | n/a |",
        f"| document accuracy, held-out documents ({m['documents']['n']}; ± one standard error) | >= 0.90 | {_f(m['documents']['accuracy'])}{_se(m['documents'])} | n/a | {_f(e['documents']['accuracy'])} |",
        f"| false-positive rate, human sentences (test examples) | <= 0.05 | {_f(m['fpr_human_sentences'])} | n/a | n/a |",
        f"| false-positive rate, content sentences of clean documents | <= 0.05 | {_f(m['documents']['fpr_human_sentences_in_clean_documents'])} | n/a | {_f(e['documents']['fpr_human_sentences_in_clean_documents'])} |",
        f"| seed verdicts correct (000 spun, 003 MT, others clean) | 5/5 | {m['seeds']['accuracy'] * 5:.0f}/5 | n/a | {e['seeds']['accuracy'] * 5:.0f}/5 |",
        *(
            [
                f"| document accuracy, held-out documents, with the MT check (`--mt-check`) | >= 0.90 | {_f(c['documents']['accuracy'])} | n/a | n/a |",
                f"| false-positive rate, content sentences of clean documents, with the MT check | <= 0.05 | {_f(c['documents']['fpr_human_sentences_in_clean_documents'])} | n/a | n/a |",
                f"| seed verdicts correct, with the MT check | 5/5 | {c['seeds']['accuracy'] * 5:.0f}/5 | n/a | n/a |",
            ]
            if c
            else []
        ),
        *_component_lines(m.get("mt_components")),
        "",
        "## Sentence-level metrics per type (test split, model)",
        "",
        "| type | support | precision | recall | F1 | ROC-AUC | PR-AUC | ECE | TF-IDF ROC-AUC |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for name_, row in m["sentence_metrics"].items():
        tr = t["sentence_metrics"][name_]
        lines.append(
            f"| {name_} | {row['support']} | {_f(row['precision'])} | {_f(row['recall'])} | {_f(row['f1'])} | {_f(row['roc_auc'])} | {_f(row['pr_auc'])} | {_f(row['ece'])} | {_f(tr['roc_auc'])} |"
        )
    lines += [
        "",
        "## Per generator (test split, model)",
        "",
        "| generator | n | type | mean prob | recall at threshold | ROC-AUC vs clean | flagged (clean sources) |",
        "|---|---|---|---|---|---|---|",
    ]
    for row in m["per_generator"]:
        lines.append(
            f"| {row['generator']} | {row['n']} | {row.get('type') or 'clean'} | {_f(row.get('mean_prob'))} | {_f(row.get('recall'))} | {_f(row.get('roc_auc_vs_clean'))} | {_f(row.get('flagged_rate'))} |"
        )
    extra = " model + MT check |" if c else ""
    lines += [
        "",
        "## Documents (held-out blocks scored by the full detector)",
        "",
        f"| generator | n | model accuracy | evidence-only accuracy |{extra}",
        "|---|---|---|---|" + ("---|" if c else ""),
    ]
    for g, row in m["documents"]["per_generator"].items():
        checked = f" {_f(c['documents']['per_generator'][g]['accuracy'])} |" if c else ""
        lines.append(f"| {g} | {row['n']} | {_f(row['accuracy'])} | {_f(e['documents']['per_generator'][g]['accuracy'])} |{checked}")
    lines += _length_lines(m)
    lines += [
        "",
        "## Seeds",
        "",
        f"| seed | expected | model | score | evidence only |{extra}",
        "|---|---|---|---|---|" + ("---|" if c else ""),
    ]
    for k, v in m["seeds"].items():
        if isinstance(v, dict):
            checked = f" {c['seeds'][k]['verdict']} ({c['seeds'][k]['score']:.3f}) |" if c else ""
            lines.append(f"| {k} | {v['expected']} | {v['verdict']} | {v['score']:.3f} | {e['seeds'][k]['verdict']} |{checked}")
    lines += ["", f"Evaluation took {results['runtime_s']:.0f} s.", ""]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", required=True)
    parser.add_argument("--config", required=True)
    parser.add_argument("--corpus", help="a corpus saved by training.corpus (default: build it now)")
    parser.add_argument("--data-dir")
    parser.add_argument("--report", help="path prefix for the .md and .json report (default: reports/<name>)")
    parser.add_argument("--docs-per-kind", type=int, default=20)
    parser.add_argument("--mt-check", action="store_true", help="also score the documents with the round-trip MT check")
    parser.add_argument(
        "--longer-documents", default="2,3", help="also measure documents of this many consecutive blocks (comma-separated; '' for none)"
    )
    args = parser.parse_args()
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    hf_logging.set_verbosity_error()
    config = TrainConfig.from_yaml(args.config)
    if args.data_dir:
        config.corpus.data_dir = args.data_dir
    if args.corpus:
        from datasets import load_from_disk

        corpus = load_from_disk(args.corpus)
    else:
        from .corpus import build_corpus

        corpus = build_corpus(config)
    longer = tuple(int(k) for k in args.longer_documents.split(",") if k.strip())
    results = evaluate(args.model, config, corpus, args.docs_per_kind, args.mt_check, longer)
    results["date"] = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    results["machine"] = (
        f"{platform.machine()}, {torch.get_num_threads()} torch threads, {platform.python_implementation()} {platform.python_version()}"
    )
    prefix = Path(args.report or ROOT / "reports" / config.name)
    prefix.parent.mkdir(parents=True, exist_ok=True)
    command = "python -m training.evaluate " + " ".join(sys.argv[1:])
    results["command"] = command
    prefix.with_suffix(".json").write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    prefix.with_suffix(".md").write_text(render_markdown(config.name, results, command), encoding="utf-8")
    print(render_markdown(config.name, results, command))


if __name__ == "__main__":
    main()
