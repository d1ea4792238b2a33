"""Fit the language model's part of a model folder (`lm_stack.json`, detector/lm/stack.py) on
validation data, and measure it once on test data.

    python -m training.fit_lm_stack [--model detector/models/default] [--data-dir ../shared/data] [--blocks 60] [--human-blocks 300]

Lines of original English news (validation WMT14-15, test WMT16-17), each read after the lines
before it, as written and as spun by the embedding spinner (the classifier's training spinner) and
by the tortured-phrase spinner (held out from the classifier and from this fit). On validation:
  - how words are scored (the weight of the next word's excess and of the bare-word frequency),
    by the sentence-level ROC-AUC of the strongest word, embedding spinner vs human;
  - the word bar: the strongest improbability that at most 0.5% of human lines reach, and the mark
    bar, what 1 in 100 human words reach, both read on the human lines of `--human-blocks` more
    blocks as well (a 0.5% quantile of 360 lines rests on two of them);
  - the stack, a logistic regression of spun (embedding spinner) vs human on the classifier's spun
    logit and the strongest improbability, its bias then lowered, if need be, until no more than
    1% of the human lines reach the model's threshold.
Test: the same measures, read once, the human rates on the test's larger pool of human lines too. Writes the part into the model folder (and its manifest) and
reports/improbable-words.md/.json.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from datetime import datetime, timezone
from itertools import islice
from pathlib import Path

import numpy as np

from detector.evidence.improbable_words import score_words
from detector.labels import SPUN
from detector.lm.model import LanguageModel
from detector.lm.stack import LMStack
from detector.scoring.weights import BASE_ENCODER
from training.config import DEFAULT_DATA_DIR, CorpusConfig
from training.sources import tortured_phrases
from training.spinning import WordSwapSpinner, load_or_build_embedding_thesaurus, tortured_thesaurus

ROOT = Path(__file__).resolve().parents[1]
YEARS = {"validation": ("wmt14", "wmt15"), "test": ("wmt16", "wmt17")}
BLOCK = 6  # lines per block: each read after the ones before it
KINDS = ("human", "spun-embedding", "spun-tortured")
# (following, frequency, skip capitalised): `score_words`' settings, chosen on validation
WEIGHTS = [(f, a, c) for c in (False, True) for a in (0.0, 0.25, 0.5, 0.75, 1.0) for f in (0.0, 0.5)]
READING_VERSION = 4  # bumped when the LM's reading changes (2: right padding; 3: read as documents; 4: the 65,536-token vocabulary), so cached readings are not reused
MAX_HUMAN_FLAGGED = 0.005  # human validation lines the stack may flag spun (with the classifier's own)
MAX_HUMAN_NAMED = 0.005  # human validation lines in which a word may be named at the word bar


def auc(pos, neg) -> float | None:
    pos, neg = np.asarray(pos, float), np.asarray(neg, float)
    if not len(pos) or not len(neg):
        return None
    scores = np.concatenate([pos, neg])
    ranks = scores.argsort().argsort() + 1.0
    return float((ranks[: len(pos)].sum() - len(pos) * (len(pos) + 1) / 2) / (len(pos) * len(neg)))


def _block_runs(data_dir: Path, split: str, rng: random.Random):
    """Per year of the split, (year, its 6-line blocks in a shuffled order, each a list of lines)."""
    for year in YEARS[split]:
        lines = (data_dir / "wmt-ht-mt" / "train" / f"{year}.en-original.human.en").read_text(encoding="utf-8").splitlines()
        starts = list(range(0, len(lines) - BLOCK, BLOCK))
        rng.shuffle(starts)
        yield year, ([x.strip() for x in lines[lo : lo + BLOCK]] for lo in starts)


def _reading(run: list[str], i: int) -> dict:
    """Line i of a block as the LM reads it (after the lines before it) and as the classifier
    does (with its human neighbours)."""
    return {"before": " ".join(run[:i]), "around": " ".join(run[max(0, i - 1) : i] + run[i + 1 : i + 2])}


def cases(data_dir: Path, split: str, blocks: int, seed: int = 0) -> list[dict]:
    """Per line of `blocks` blocks, in each kind: the text, the lines before it, the classifier's
    context (the human neighbours), and the swapped spans."""
    rng = random.Random(seed)
    spinners = {
        "spun-embedding": WordSwapSpinner(load_or_build_embedding_thesaurus(CorpusConfig().cache_dir, BASE_ENCODER), rate=0.3),
        "spun-tortured": WordSwapSpinner(tortured_thesaurus(tortured_phrases(data_dir)), rate=0.6),
    }
    out = []
    per_year = blocks // len(YEARS[split])
    for _, runs in _block_runs(data_dir, split, rng):
        for run in islice(runs, per_year):
            if not all(run):
                continue
            for i, line in enumerate(run):
                base = _reading(run, i)
                out.append({**base, "kind": "human", "text": line, "spans": []})
                for kind, spinner in spinners.items():
                    spun = spinner.spin(line, rng)
                    if spun.spans:
                        out.append({**base, "kind": kind, "text": spun.text, "spans": list(spun.spans)})
    return out


def human_pool(data_dir: Path, split: str, blocks: int, exclude: list[dict], seed: int = 2) -> list[dict]:
    """Human lines only, from `blocks` more blocks of the split (none of `exclude`'s lines): the
    bars are quantiles of human lines, and the human rates are shares of them, so both want more
    lines than the spun comparison needs."""
    seen = {r["text"] for r in exclude}
    out = []
    per_year = blocks // len(YEARS[split])
    for _, runs in _block_runs(data_dir, split, random.Random(seed)):
        taken = 0
        for run in runs:
            if taken >= per_year:
                break
            if not all(run) or seen & set(run):
                continue
            taken += 1
            out += [{**_reading(run, i), "kind": "human", "text": line, "spans": []} for i, line in enumerate(run)]
    return out


def scored_words(words, weights) -> list[list[tuple[int, int, float]]]:
    """Per row, (start, end, improbability) of each word the LM read, scored with `weights`
    (following, frequency, skip capitalised): the form the stack's fit and measures read (research/lm_distillation.py
    gives its estimates in it too)."""
    return [[(w.word.start, w.word.end, w.improbability) for w in score_words(ws, *weights)] for ws in words]


def features(scored, mark_bar: float) -> np.ndarray:
    probe = LMStack("", 0.0, [0.0] * len(LMStack.FEATURES), 0.0, 0.0, 0.0, word_bar=0.0, mark_bar=mark_bar)
    return np.stack([probe.features([v for _, _, v in row]) for row in scored])


def bars(rows, scored, pool_scored=()) -> tuple[float, float]:
    """(word bar, mark bar): the strongest improbability that MAX_HUMAN_NAMED of human lines reach
    (so the finder names a word in no more of them), and what 1 in 100 human words reach; the human
    lines of `rows` and those of the pool (`pool_scored`)."""
    human = [[v for _, _, v in row] for r, row in zip(rows, scored) if r["kind"] == "human"]
    human += [[v for _, _, v in row] for row in pool_scored]
    strongest = [max(x, default=0.0) for x in human]
    return float(np.quantile(strongest, 1 - MAX_HUMAN_NAMED)), float(np.quantile([x for line in human for x in line], 0.99))


def stack_inputs(spun_cls: np.ndarray, lm_features: np.ndarray) -> np.ndarray:
    p = np.clip(spun_cls, 1e-6, 1 - 1e-6)
    return np.column_stack([np.log(p / (1 - p)), lm_features])


def word_aucs(rows, scored) -> dict:
    """Word-level ROC-AUC per spinner: its swapped words vs the words of the human lines."""
    human = [v for r, row in zip(rows, scored) if r["kind"] == "human" for _, _, v in row]
    out = {}
    for kind in KINDS[1:]:
        swapped = [
            v
            for r, row in zip(rows, scored)
            if r["kind"] == kind
            for start, end, v in row
            if any(a < end and b > start for a, b in r["spans"])
        ]
        out[kind] = auc(swapped, human)
    return out


def with_pool(spun_cls: np.ndarray, lm_x: np.ndarray, pool_scored, pool_cls, mark_bar: float) -> tuple[np.ndarray, np.ndarray]:
    """Human lines' classifier spun probabilities and LM features, the pool's lines (`pool_scored`,
    `pool_cls`; none when `pool_cls` is None) appended."""
    if pool_cls is None or not len(pool_cls):
        return spun_cls, lm_x
    return np.concatenate([spun_cls, pool_cls]), np.concatenate([lm_x, features(pool_scored, mark_bar)])


def measures(rows, scored, spun_cls: np.ndarray, stack: LMStack, threshold: float, pool_scored=(), pool_cls=None) -> dict:
    """The spun comparisons on `rows`; the human rates on the human lines of `rows` and of the pool
    (`pool_scored`, `pool_cls`: its scored words and classifier spun probabilities), if given."""
    kinds = np.asarray([r["kind"] for r in rows])
    x = features(scored, stack.mark_bar)
    stacked = stack.apply(spun_cls, x)
    top = x[:, 0]
    human = kinds == "human"
    out = {"lines": {k: int((kinds == k).sum()) for k in KINDS}, "word_auc": word_aucs(rows, scored)}
    for kind in KINDS[1:]:
        pos = kinds == kind
        out[kind] = {
            "auc_classifier": auc(spun_cls[pos], spun_cls[human]),
            "auc_lm_alone": auc(top[pos], top[human]),
            "auc_stacked": auc(stacked[pos], stacked[human]),
            "flagged_classifier": float(np.mean(spun_cls[pos] >= threshold)),
            "flagged_stacked": float(np.mean(stacked[pos] >= threshold)),
            "named_a_word": float(np.mean(top[pos] >= stack.word_bar)),
        }
    h_cls, h_x = with_pool(spun_cls[human], x[human], pool_scored, pool_cls, stack.mark_bar)
    h_stacked, h_top = stack.apply(h_cls, h_x), h_x[:, 0]
    out["human_lines"] = len(h_cls)
    out["human"] = {
        "flagged_classifier": float(np.mean(h_cls >= threshold)),
        "flagged_stacked": float(np.mean(h_stacked >= threshold)),
        "named_a_word": float(np.mean(h_top >= stack.word_bar)),
        "finder_fires": float(np.mean((h_top >= stack.word_bar) | ((h_stacked >= threshold) & (h_top >= stack.mark_bar)))),
    }
    out["paired"] = paired(rows, spun_cls, stacked)
    return out


def spun_pairs(rows, kind: str) -> list[tuple[int, int]]:
    """(spun line, its human original) row indices for the lines of `kind`: a spun line's original
    is the human line with the same preceding lines and neighbours."""
    original = {(r["before"], r["around"]): k for k, r in enumerate(rows) if r["kind"] == "human"}
    return [(k, original[(r["before"], r["around"])]) for k, r in enumerate(rows) if r["kind"] == kind]


def paired(rows, spun_cls: np.ndarray, stacked: np.ndarray) -> dict:
    """Per spinner, the share of spun lines that score above their own human original: the
    classifier alone and stacked with the LM (ties count half)."""
    out = {}
    for kind in KINDS[1:]:
        pairs = spun_pairs(rows, kind)
        out[kind] = {
            name: float(np.mean([(x[a] > x[b]) + 0.5 * (x[a] == x[b]) for a, b in pairs]))
            for name, x in (("classifier", spun_cls), ("stacked", stacked))
        }
    return out


def fit(rows, words, spun_cls: np.ndarray, threshold: float, lm_name: str, pool_words=(), pool_cls=None) -> tuple[LMStack, dict]:
    """The word-scoring weights with the best cross-validated stack ROC-AUC (embedding spinner vs
    human, 5 folds), then the stack fitted with them (`fit_stack`); the bars read the human pool's
    words (`pool_words`) too."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import cross_val_predict

    kinds = np.asarray([r["kind"] for r in rows])
    keep = (kinds == "human") | (kinds == "spun-embedding")
    y = (kinds[keep] == "spun-embedding").astype(int)
    by_weights = {}
    for w in WEIGHTS:
        scored = scored_words(words, w)
        x = stack_inputs(spun_cls, features(scored, bars(rows, scored, scored_words(pool_words, w))[1]))[keep]
        p = cross_val_predict(LogisticRegression(max_iter=1000), x, y, cv=5, method="predict_proba")[:, 1]
        by_weights[w] = auc(p[y == 1], p[y == 0])
    weights = max(WEIGHTS, key=lambda w: by_weights[w])
    stack = fit_stack(
        rows, scored_words(words, weights), spun_cls, threshold, lm_name, weights, scored_words(pool_words, weights), pool_cls
    )
    return stack, {f"following {w[0]}, frequency {w[1]}{', capitalised skipped' if w[2] else ''}": a for w, a in by_weights.items()}


def fit_stack(
    rows, scored, spun_cls: np.ndarray, threshold: float, name: str, weights: tuple[float, float, bool], pool_scored=(), pool_cls=None
) -> LMStack:
    """The stack, a logistic regression of embedding-spun vs human lines on the classifier's logit
    and the words' improbabilities (`scored`), its bias lowered until no more than
    MAX_HUMAN_FLAGGED of human lines (or the classifier's own share) reach `threshold`; the human
    lines of the pool (`pool_scored`, `pool_cls`) count for the bars and that share too."""
    from sklearn.linear_model import LogisticRegression

    kinds = np.asarray([r["kind"] for r in rows])
    human = kinds == "human"
    keep = human | (kinds == "spun-embedding")
    word_bar, mark_bar = bars(rows, scored, pool_scored)
    x = stack_inputs(spun_cls, features(scored, mark_bar))
    model = LogisticRegression(max_iter=1000).fit(x[keep], (kinds[keep] == "spun-embedding").astype(int))
    coef = [float(c) for c in model.coef_[0]]
    following, frequency, skip_capitalised = weights
    stack = LMStack(
        name, coef[0], coef[1:], float(model.intercept_[0]), following, frequency, round(word_bar, 3), round(mark_bar, 3), skip_capitalised
    )
    return lower_bias(stack, *with_pool(spun_cls[human], x[human, 1:], pool_scored, pool_cls, mark_bar), threshold)


def lower_bias(stack: LMStack, human_cls: np.ndarray, human_x: np.ndarray, threshold: float) -> LMStack:
    """`stack` with its bias lowered by 0.05 at a time until no more of the human lines (their
    classifier spun probabilities and LM features) reach `threshold` than MAX_HUMAN_FLAGGED or the
    classifier's own share."""
    ceiling = max(MAX_HUMAN_FLAGGED, float(np.mean(human_cls >= threshold)))
    while np.mean(stack.apply(human_cls, human_x) >= threshold) > ceiling:
        stack.bias -= 0.05
    return stack


def split_readings(
    lm, data_dir: Path, split: str, blocks: int, human_blocks: int, cache: Path, seed: int = 0, pool_seed: int = 2, tag: str = ""
):
    """A split's lines (`cases`) and its pool of more human lines (`human_pool`), each with the
    LM's reading, cached under `cache` (`tag` tells readings of another dtype apart), and the
    seconds the lines' reading took (None from the cache)."""
    rows = cases(data_dir, split, blocks, seed)
    words, seconds = read_cached(lm, rows, cache / f"lm-readings-{split}-{blocks}{tag}.pkl")
    pool = human_pool(data_dir, split, human_blocks, rows, pool_seed)
    pool_words, _ = read_cached(lm, pool, cache / f"lm-readings-{split}-human-{human_blocks}{tag}.pkl")
    return rows, words, pool, pool_words, seconds


def read_rows(lm, rows) -> list:
    """Each row's words as the finder reads a document: the lines before it, then the row
    (LanguageModel.read_documents), so the bars and the stack are fitted on the reading they apply to."""
    texts, spans = [], []
    for r in rows:
        text = f"{r['before']} {r['text']}" if r["before"] else r["text"]
        texts.append(text)
        spans.append([(len(text) - len(r["text"]), len(text))])
    return [words for (words,) in lm.read_documents(texts, spans)]


def read_cached(lm, rows, path: Path):
    """The LM's word surprisals of `rows` (cached: refitting the stack need not re-read them), and
    the seconds the reading took (None when it came from the cache)."""
    import pickle

    key = [READING_VERSION] + [(r["text"], r["before"]) for r in rows]
    if path.exists():
        cached_key, words = pickle.loads(path.read_bytes())
        if cached_key == key:
            return words, None
    started = time.perf_counter()
    words = read_rows(lm, rows)
    seconds = time.perf_counter() - started
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(pickle.dumps((key, words)))
    return words, seconds


def cached_readings(rows, path: Path) -> list:
    """The LM's readings of `rows` from `read_cached`'s file, without a language model (the
    research probes read them); a clear exit when the file is missing or holds other lines."""
    import pickle

    if not path.exists():
        raise SystemExit(f"{path} is missing: run `python -m training.fit_lm_stack` first (it reads and caches the lines)")
    key, words = pickle.loads(path.read_bytes())
    if key != [READING_VERSION] + [(r["text"], r["before"]) for r in rows]:
        raise SystemExit(f"{path} holds other lines or an older reading: rerun `python -m training.fit_lm_stack`")
    return words


def classifier_spun(detector, rows) -> np.ndarray:
    k = detector.predictor.config.outputs.index(SPUN)
    return detector.predictor.predict([r["text"] for r in rows], [r["around"] for r in rows])[:, k]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default=str(ROOT / "detector" / "models" / "default"))
    parser.add_argument("--data-dir", default=str(DEFAULT_DATA_DIR))
    parser.add_argument("--blocks", type=int, default=60)
    parser.add_argument("--human-blocks", type=int, default=300, help="more blocks of human lines only, for the bars and the human rates")
    parser.add_argument("--report", default=str(ROOT / "reports" / "improbable-words"))
    args = parser.parse_args()
    from detector import Detector
    from detector.scoring.manifest import Manifest

    data_dir = Path(args.data_dir)
    detector = Detector.from_pretrained(args.model)
    threshold = detector.config.threshold
    lm = LanguageModel.from_pretrained(dtype="float32")  # the reference reading (bf16 runs within 0.5 nats of it)
    cache = Path(CorpusConfig().cache_dir)
    validation, words, pool, pool_words, seconds = split_readings(lm, data_dir, "validation", args.blocks, args.human_blocks, cache)
    spun_cls, pool_cls = classifier_spun(detector, validation), classifier_spun(detector, pool)
    stack, by_weights = fit(validation, words, spun_cls, threshold, lm.name, pool_words, pool_cls)
    weights = stack.word_scoring
    test, test_words, test_pool, test_pool_words, _ = split_readings(lm, data_dir, "test", args.blocks, args.human_blocks, cache, 1, 3)
    result = {
        "command": " ".join(["python -m training.fit_lm_stack", *sys.argv[1:]]),
        "date": f"{datetime.now(timezone.utc):%Y-%m-%d %H:%M UTC}",
        "model": detector.name,
        "lm": lm.name,
        "threshold": threshold,
        "stack": dict(vars(stack)),
        "validation_sentence_auc_by_weights": by_weights,
        "validation": measures(
            validation,
            scored_words(words, weights),
            spun_cls,
            stack,
            threshold,
            scored_words(pool_words, weights),
            pool_cls,
        ),
        "test": measures(
            test,
            scored_words(test_words, weights),
            classifier_spun(detector, test),
            stack,
            threshold,
            scored_words(test_pool_words, weights),
            classifier_spun(detector, test_pool),
        ),
        "lm_lines_per_second": round(len(validation) / seconds, 1) if seconds else None,
    }
    stack.save(args.model)
    manifest = Manifest.load(args.model)
    manifest.add(LMStack.KIND)
    manifest.save(args.model)
    Path(args.report).with_suffix(".json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    Path(args.report).with_suffix(".md").write_text("\n".join(report_lines(result)), encoding="utf-8")
    print("\n".join(report_lines(result)))


def report_lines(r: dict) -> list[str]:
    s = r["stack"]
    lines = [
        "# Improbable words: the language model's evidence of swapped words, and the spun stack",
        "",
        f"- command: `{r['command']}`",
        f"- date: {r['date']}; model: {r['model']}; language model: {r['lm']} (transformers fp32, CPU); threshold {r['threshold']:.3f}",
        "- lines of original English news, each read after the lines before it: as written (human), spun by the embedding"
        " spinner (the classifier's training spinner), spun by the tortured-phrase spinner (held out from the classifier"
        " and from this fit); validation WMT14-15, test WMT16-17 (read once)",
        "",
        f"Chosen on validation: following weight {s['following_weight']}, frequency weight {s['frequency_weight']},"
        f" words with a capital {'skipped' if s.get('skip_capitalised') else 'scored'}"
        " (the stack's 5-fold ROC-AUC, embedding spinner vs human); word bar"
        f" {s['word_bar']} nats (reached in 0.5% of human lines), mark bar {s['mark_bar']} (99th percentile of human words),"
        f" both on {r['validation'].get('human_lines', r['validation']['lines']['human'])} human validation lines;"
        f" spun = sigmoid({s['w_classifier']:.3f} x classifier logit + "
        + " + ".join(f"{w:.3f} x {name}" for w, name in zip(s["w_lm"], LMStack.FEATURES))
        + f" + {s['bias']:.3f}) (bias lowered until at most 0.5% of human validation lines reach the threshold).",
        "",
        "| split | kind | lines | spun ROC-AUC: classifier | LM alone | stacked | flagged: classifier | stacked | a word named |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for split in ("validation", "test"):
        m = r[split]
        for kind in KINDS[1:]:
            k = m[kind]
            lines.append(
                f"| {split} | {kind} | {m['lines'][kind]} | {k['auc_classifier']:.3f} | {k['auc_lm_alone']:.3f} | {k['auc_stacked']:.3f}"
                f" | {k['flagged_classifier']:.3f} | {k['flagged_stacked']:.3f} | {k['named_a_word']:.3f} |"
            )
        h = m["human"]
        lines.append(
            f"| {split} | human | {m.get('human_lines', m['lines']['human'])} | | | | {h['flagged_classifier']:.3f} | {h['flagged_stacked']:.3f} | {h['named_a_word']:.3f} |"
        )
    lines += [
        "",
        "Paired: the share of spun lines scoring above their own original (classifier alone / stacked), and the share of"
        " human lines the finder gives evidence for (a word at the word bar, or a flagged line with a word at the mark bar):",
        "",
        "| split | training spinner | tortured phrases (held out) | human lines with LM evidence |",
        "|---|---|---|---|",
    ]
    for split in ("validation", "test"):
        p = r[split]["paired"]
        lines.append(
            f"| {split} | {p['spun-embedding']['classifier']:.3f} / {p['spun-embedding']['stacked']:.3f}"
            f" | {p['spun-tortured']['classifier']:.3f} / {p['spun-tortured']['stacked']:.3f} | {r[split]['human']['finder_fires']:.3f} |"
        )
    lines += [
        "",
        "Word-level ROC-AUC (swapped words vs the words of human lines): "
        + "; ".join(f"{split} {kind} {r[split]['word_auc'][kind]:.3f}" for split in ("validation", "test") for kind in KINDS[1:]),
        "",
        "Stack ROC-AUC (5-fold, validation, embedding spinner vs human) by word-scoring weights: "
        + "; ".join(f"{k}: {v:.3f}" for k, v in r["validation_sentence_auc_by_weights"].items()),
        "",
        (
            f"LM pass: {r['lm_lines_per_second']} lines/s on validation (transformers fp32, 2 cores)."
            if r["lm_lines_per_second"]
            else "LM readings came from the cache (artifacts/cache/lm-readings-*.pkl); speed per runtime: benchmarks/lm_runtimes.md."
        ),
        "",
    ]
    return lines


if __name__ == "__main__":
    main()
