"""What reading only the likeliest tokens of English news in full does to the improbable-words
finder's words, per shortlist size (the vocabulary of `LMConfig.vocabulary`; issue 22 item 4).

    python research/lm_vocabulary.py [--blocks 60]   # after python -m training.lm_vocabulary

Validation lines of training.fit_lm_stack (WMT14-15 original English, as written and spun two
ways, each after the lines before it), read as the finder reads them, per shortlist size against
the whole vocabulary in the same dtype: the probability the left-out tokens hold at each position
(what they would take from a surprisal), each word's surprisal and likeliest alternative, the words
named at the finder's bars, and the sentences the stack flags spun. Then the validation split's
article-length human documents scored as `serve --lm` scores them, with the shipped vocabulary and
with the whole one: the sentences flagged differently. Writes research/lm-vocabulary.md and .json.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.machine import describe_machine
from benchmarks.throughput import write_report
from detector.evidence.improbable_words import score_words
from detector.lm import output_layer
from detector.lm.model import LanguageModel
from detector.lm.stack import LMStack
from detector.lm.vocabulary import RANKING_FILE
from training.config import DEFAULT_DATA_DIR
from training.fit_lm_stack import cases, classifier_spun
from training.lm_vocabulary import CHUNK, KEEP, captured_hidden

SIZES = (8_192, 16_384, 32_768, 65_536)


@torch.inference_mode()
def left_out_nats(hidden: torch.Tensor, weight: torch.Tensor, ranking: np.ndarray, sizes) -> dict[int, np.ndarray]:
    """Per shortlist size, per position: -ln of the probability its likeliest tokens hold, what
    leaving the rest out takes from the normaliser (the target aside)."""
    out = {k: [] for k in sizes}
    order = torch.as_tensor(ranking.astype(np.int64))
    for lo in range(0, len(hidden), CHUNK):
        p = torch.softmax((hidden[lo : lo + CHUNK].to(weight.dtype) @ weight.T).float(), dim=-1)[:, order].double()
        cumulative = p.cumsum(dim=-1)
        for k in sizes:
            out[k].append(-torch.log(cumulative[:, k - 1]).numpy())
    return {k: np.concatenate(v) for k, v in out.items()}


def compare(full, short, rows, stack: LMStack, spun_cls: np.ndarray, threshold: float) -> dict:
    """What the shortlist changes in the finder's reading of `rows` (per row, its words)."""
    deltas, alternatives_changed, words = [], 0, 0
    named = {"word bar": 0, "mark bar": 0}
    for f, s in zip(full, short):
        assert [(w.start, w.end) for w in f] == [(w.start, w.end) for w in s]
        for a, b in zip(f, s):
            deltas.append(b.surprisal - a.surprisal)
            alternatives_changed += a.alternative != b.alternative
            words += 1
        fi = [w.improbability for w in score_words(f, *stack.word_scoring)]
        si = [w.improbability for w in score_words(s, *stack.word_scoring)]
        for name, bar in (("word bar", stack.word_bar), ("mark bar", stack.mark_bar)):
            named[name] += sum((x >= bar) != (y >= bar) for x, y in zip(fi, si))
    feats = {
        which: np.stack([stack.features([w.improbability for w in score_words(r, *stack.word_scoring)]) for r in reading])
        for which, reading in (("full", full), ("short", short))
    }
    stacked = {which: stack.apply(spun_cls, x) for which, x in feats.items()}
    d = np.abs(np.asarray(deltas))
    return {
        "words": words,
        "surprisal_change_nats": {
            "median": round(float(np.median(d)), 5),
            "p99": round(float(np.quantile(d, 0.99)), 4),
            "p999": round(float(np.quantile(d, 0.999)), 4),
            "max": round(float(d.max()), 4),
            "mean_signed": round(float(np.mean(deltas)), 5),
        },
        "alternatives_changed": alternatives_changed,
        "named_flips": named,
        "stacked_probability_change_max": round(float(np.abs(stacked["full"] - stacked["short"]).max()), 5),
        "spun_flag_flips": int(np.sum((stacked["full"] >= threshold) != (stacked["short"] >= threshold))),
        "rows": len(rows),
    }


def document_flips(model: str, config_path: Path) -> dict:
    """The validation split's article-length human documents scored as `serve --lm` scores them
    (the LM on every sentence), with the shipped vocabulary and with the whole one: what changes."""
    from detector import Detector
    from detector.io.records import TextRecord
    from training.config import TrainConfig
    from training.human_false_positives import human_documents

    documents = human_documents(TrainConfig.from_yaml(str(config_path)), 2, split="validation")
    detector = Detector.from_pretrained(model, lm="all")
    lm = detector.lm_finder.lm
    shipped = lm.shortlist
    readings = {}
    for name, shortlist in (("shipped", shipped), ("whole", None)):
        lm.shortlist = shortlist
        readings[name] = list(detector.score_many(TextRecord(id=i, text=t) for i, _, t in documents))
    lm.shortlist = shipped
    flips = evidence = verdicts = sentences = 0
    moved = 0.0
    for (_, a), (_, b) in zip(readings["shipped"], readings["whole"]):
        verdicts += a.verdict != b.verdict
        for x, y in zip(a.sentences, b.sentences):
            sentences += 1
            flips += x.flagged_types(a.threshold) != y.flagged_types(b.threshold)
            evidence += [e.rule for e in x.evidence] != [e.rule for e in y.evidence]
            moved = max(moved, abs(x.labels["spun"] - y.labels["spun"]))
    return {
        "documents": len(documents),
        "sentences": sentences,
        "sentences_whose_flags_differ": flips,
        "sentences_whose_evidence_differs": evidence,
        "verdicts_that_differ": verdicts,
        "largest_spun_change": round(moved, 5),
    }


def report_lines(r: dict) -> list[str]:
    lines = [
        "# The language model's vocabulary: how much of it the output layer must read",
        "",
        f"- command: `{r['command']}`",
        f"- date: {r['date']}; machine: {r['machine']}; {r['lm']} in {r['dtype']}",
        f"- ranking: {RANKING_FILE.name} (`python -m training.lm_vocabulary`: every word position of 2,400 lines of"
        f" human-translated WMT14-17 news, each token's probability summed), the likeliest {KEEP:,} tokens",
        f"- measured on {r['validation_rows']:,} validation lines (WMT14-15 original English as written and spun two ways,"
        f" each after the lines before it; the words the finder scores), {r['validation_positions']:,} positions,"
        " against the whole vocabulary in the same dtype; spun flags at the model's threshold with the classifier's own probabilities",
        "",
        "| tokens read in full | share of the vocabulary | probability left out a position: median / 99.9% / max (nats) |"
        " words' surprisal moved: median / 99.9% / max (nats) | alternatives changed | words named at the bars that flip (word / mark) |"
        " largest move of a stacked spun probability | spun flags that flip | seconds of the reading |",
        "|---:|---:|---|---|---:|---|---:|---:|---:|",
    ]
    for k, m in r["sizes"].items():
        c, s = m["left_out_nats"], m["surprisal_change_nats"]
        lines.append(
            f"| {int(k):,} | {int(k) / r['vocabulary']:.1%} | {c['median']} / {c['p999']} / {c['max']} | {s['median']} / {s['p999']} / {s['max']}"
            f" | {m['alternatives_changed']} of {m['words']:,} | {m['named_flips']['word bar']} / {m['named_flips']['mark bar']}"
            f" | {m['stacked_probability_change_max']} | {m['spun_flag_flips']} of {m['rows']:,} | {m['seconds']} |"
        )
    lines += ["", f"Whole vocabulary ({r['vocabulary']:,} tokens): the same reading took {r['full_seconds']} s.", ""]
    d = r["documents"]
    lines += [
        f"Article-length documents: the validation split's {d['documents']} human documents ({d['sentences']:,} sentences,"
        " built as the human false-positive report builds them), scored as `serve --lm` scores them, with the shipped"
        f" vocabulary and with the whole one: {d['sentences_whose_flags_differ']} sentences flagged differently,"
        f" {d['sentences_whose_evidence_differs']} with other evidence, {d['verdicts_that_differ']} verdicts differ;"
        f" the largest change of a sentence's spun probability {d['largest_spun_change']}.",
        "",
    ]
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default=str(ROOT / "detector" / "models" / "default"))
    parser.add_argument("--data-dir", default=str(DEFAULT_DATA_DIR))
    parser.add_argument("--blocks", type=int, default=60, help="validation blocks of 6 lines")
    parser.add_argument("--config", default=str(ROOT / "configs" / "release.yaml"), help="where the validation documents come from")
    parser.add_argument("--out", default=str(ROOT / "research" / "lm-vocabulary"))
    args = parser.parse_args()
    from detector import Detector

    lm = LanguageModel.from_pretrained(dtype="auto", progress=False, vocabulary=None)
    weight = lm.model.get_output_embeddings().weight
    ranking = np.load(RANKING_FILE)
    stack = LMStack.load(args.model)
    detector = Detector.from_pretrained(args.model)
    rows = cases(Path(args.data_dir), "validation", args.blocks)
    row_texts = [f"{r['before']} {r['text']}" if r["before"] else r["text"] for r in rows]
    row_spans = [[(len(t) - len(r["text"]), len(t))] for t, r in zip(row_texts, rows)]
    started = time.perf_counter()
    full, valid_hidden = captured_hidden(lm, row_texts, row_spans, stack.judged)
    full_seconds = time.perf_counter() - started
    full = [w for (w,) in full]
    left_out = left_out_nats(valid_hidden, weight, ranking, SIZES)
    spun_cls = classifier_spun(detector, rows)
    sizes = {}
    for k in SIZES:
        lm.shortlist = output_layer.Shortlist.of(weight, ranking[:k].astype(np.int64))
        started = time.perf_counter()
        short = [w for (w,) in lm.read_documents(row_texts, row_spans, stack.judged)]
        seconds = time.perf_counter() - started
        c = left_out[k]
        sizes[k] = {
            **compare(full, short, rows, stack, spun_cls, detector.config.threshold),
            "left_out_nats": {
                "median": round(float(np.median(c)), 5),
                "p999": round(float(np.quantile(c, 0.999)), 4),
                "max": round(float(c.max()), 4),
            },
            "seconds": round(seconds, 1),
        }
    result = {
        "command": "python " + " ".join(sys.argv),
        "date": f"{datetime.now(timezone.utc):%Y-%m-%d %H:%M UTC}",
        "machine": f"{describe_machine(torch.get_num_threads())}, torch {torch.__version__}",
        "lm": lm.name,
        "dtype": lm.config.dtype,
        "vocabulary": int(weight.shape[0]),
        "validation_rows": len(rows),
        "validation_positions": len(valid_hidden),
        "full_seconds": round(full_seconds, 1),
        "sizes": sizes,
        "documents": document_flips(args.model, Path(args.config)),
    }
    write_report(Path(args.out), report_lines(result), result)


if __name__ == "__main__":
    main()
