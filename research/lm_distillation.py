"""Probe (issue 22, item 5): can the classifier's own tokens estimate the LM's word improbabilities?

    python research/lm_distillation.py [--train-blocks 150] [--blocks 60] [--data-dir ../shared/data]

The language model (Gemma 3 270M) reads a few lines a second on 2 cores, the classifier ~70, so
batch scoring cannot run the LM on every sentence. The cheapest distillation leaves the classifier
as it is (every output unchanged) and fits a head on its frozen hidden states to estimate each
word's improbability (its surprisal less its bare-word surprisal plus half the next word's excess:
`score_words` with the weights of the model's `lm_stack.json`), the LM's reading as the target.
Teacher readings: lines of WMT14-15 original English news as written and as spun by the training
spinner, blocks drawn with another seed than training/fit_lm_stack.py's, its validation lines left
out (the LM in bfloat16). Heads: ridge (closed form) or a one-layer MLP, on the last layer, on
layers 2, 4 and 6, or on all six (the token head's logit appended). Each head's estimates then
feed a stack of the LM stack's form (`fit_stack`), and are measured as fit_lm_stack measures the
LM: fit_lm_stack's validation lines only, the tortured-phrase spinner held out from all fits. No
test split is read. Writes research/lm-distillation.md and .json.
"""

from __future__ import annotations

import argparse
import sys
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.throughput import write_report  # noqa: E402
from detector.evidence.improbable_words import score_words  # noqa: E402
from detector.lm.stack import LMStack  # noqa: E402
from training.config import DEFAULT_DATA_DIR, CorpusConfig  # noqa: E402
from training.fit_lm_stack import cases, classifier_spun, fit_stack, measures, read_cached  # noqa: E402

LAYERS = {"last layer": (6,), "layers 2, 4, 6": (2, 4, 6), "all six layers": (1, 2, 3, 4, 5, 6)}
PENALTY = 1.0  # ridge; 0.1-10 gave the same held-out correlation on the last layer


def word_pieces(offsets, sequence_ids) -> list[tuple[int, int, list[int]]]:
    """(start, end, positions) of each word of the sentence side: pieces that touch are one word,
    as the token head joins them (scoring/predictor.py)."""
    words: list[list] = []
    for pos, ((start, end), seq) in enumerate(zip(offsets, sequence_ids)):
        if seq != 0 or end <= start:
            continue
        if words and start == words[-1][1]:
            words[-1][1] = end
            words[-1][2].append(pos)
        else:
            words.append([start, end, [pos]])
    return [(a, b, p) for a, b, p in words]


@torch.inference_mode()
def piece_states(predictor, rows, layers: tuple[int, ...]):
    """Per row, its pieces' hidden states at `layers` with the token head's logit (pieces x
    features), and its words' pieces."""
    out: list = [None] * len(rows)
    batches = predictor.sorted_batches([r["text"] for r in rows], [r["around"] for r in rows], 32, offsets=True)
    for idx, batch in batches:
        states = predictor.model.encoder(**batch.tensors, output_hidden_states=True).hidden_states
        token = predictor.model.token_head(states[-1])
        features = torch.cat([*(states[k] for k in layers), token], -1).float().numpy()
        for row, i in enumerate(idx):
            out[i] = (features[row], word_pieces(batch.offsets[row], batch.sequence_ids[row]))
    return out


def targets(readings, states, weights):
    """Piece features, the LM's improbability of each piece's word, and each piece's row (words
    the LM did not read, such as a block's first, are left out)."""
    x, y, group = [], [], []
    for k, (words, (features, pieces)) in enumerate(zip(readings, states)):
        scored = [(w.word.start, w.word.end, w.improbability) for w in score_words(words, *weights)]
        for start, end, positions in pieces:
            hits = [v for a, b, v in scored if a < end and b > start]
            for p in positions if hits else ():
                x.append(features[p])
                y.append(max(hits))
                group.append(k)
    return np.asarray(x, np.float32), np.asarray(y, np.float32), np.asarray(group)


def fit_head(kind: str, x: np.ndarray, y: np.ndarray):
    """A function from piece features to estimated improbabilities."""
    from sklearn.linear_model import Ridge
    from sklearn.neural_network import MLPRegressor
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    if kind == "ridge":
        model = make_pipeline(StandardScaler(), Ridge(alpha=PENALTY * len(x) / 1000.0))
    else:
        model = make_pipeline(
            StandardScaler(), MLPRegressor(hidden_layer_sizes=(128,), alpha=1e-2, max_iter=60, early_stopping=True, random_state=0)
        )
    return model.fit(x, y).predict


def estimates(states, predict) -> list[list[tuple[int, int, float]]]:
    """Per row, (start, end, estimate) of each word: its highest piece's (fit_stack's input form)."""
    out = []
    for features, pieces in states:
        piece = predict(features) if len(features) else np.zeros(0)
        out.append([(start, end, float(piece[positions].max())) for start, end, positions in pieces])
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default=str(ROOT / "detector" / "models" / "default"))
    parser.add_argument("--data-dir", default=str(DEFAULT_DATA_DIR))
    parser.add_argument("--train-blocks", type=int, default=150)
    parser.add_argument("--blocks", type=int, default=60, help="fit_lm_stack's validation blocks")
    args = parser.parse_args()
    from detector import Detector
    from detector.lm.model import LanguageModel

    data_dir = Path(args.data_dir)
    detector = Detector.from_pretrained(args.model)
    predictor, threshold = detector.predictor, detector.config.threshold
    lm_stack = LMStack.load(args.model)
    weights = (lm_stack.following_weight, lm_stack.frequency_weight)
    validation = cases(data_dir, "validation", args.blocks)
    seen = {(r["before"], r["around"]) for r in validation}
    drawn = cases(data_dir, "validation", args.train_blocks, seed=2)
    train = [r for r in drawn if r["kind"] != "spun-tortured" and (r["before"], r["around"]) not in seen]
    lm = LanguageModel.from_pretrained(dtype="bfloat16")
    readings, seconds = read_cached(lm, train, Path(CorpusConfig().cache_dir) / f"lm-readings-distil-{args.blocks}-{args.train_blocks}.pkl")
    spun = classifier_spun(detector, validation)
    teacher = json_report(ROOT / "reports" / "improbable-words.json")
    rows = []
    for layer_name, layers in LAYERS.items():
        train_states, val_states = piece_states(predictor, train, layers), piece_states(predictor, validation, layers)
        x, y, group = targets(readings, train_states, weights)
        held = group % 5 == 0  # every fifth teacher line: how well the head follows the LM
        for kind in ("ridge", "MLP"):
            correlation = float(np.corrcoef(fit_head(kind, x[~held], y[~held])(x[held]), y[held])[0, 1])
            est = estimates(val_states, fit_head(kind, x, y))
            stack = fit_stack(validation, est, spun, threshold, f"distilled ({kind}, {layer_name})", (0.0, 0.0))
            rows.append({"head": f"{kind}, {layer_name}", "correlation": correlation, **measures(validation, est, spun, stack, threshold)})
            print(rows[-1]["head"], round(correlation, 3), flush=True)
    result = {
        "command": "python research/lm_distillation.py " + " ".join(sys.argv[1:]),
        "date": f"{datetime.now(timezone.utc):%Y-%m-%d %H:%M UTC}",
        "model": detector.name,
        "lm": lm.name,
        "teacher_lines": len(train),
        "teacher_pieces": int(len(y)),
        "lm_lines_per_second": round(len(train) / seconds, 2) if seconds else None,
        "heads": rows,
        "lm_itself": teacher.get("validation"),
    }
    write_report(ROOT / "research" / "lm-distillation", report_lines(result), result)


def json_report(path: Path) -> dict:
    import json

    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def report_lines(r: dict) -> list[str]:
    def row(name, correlation, m):
        e, t, p = m["spun-embedding"], m["spun-tortured"], m["paired"]
        return (
            f"| {name} | {correlation} | {e['auc_classifier']:.3f} | {e['auc_lm_alone']:.3f} | {e['auc_stacked']:.3f}"
            f" | {t['auc_classifier']:.3f} | {t['auc_lm_alone']:.3f} | {t['auc_stacked']:.3f}"
            f" | {p['spun-embedding']['classifier']:.3f} / {p['spun-embedding']['stacked']:.3f}"
            f" | {p['spun-tortured']['classifier']:.3f} / {p['spun-tortured']['stacked']:.3f} | {m['human']['finder_fires']:.3f} |"
        )

    lines = [
        "# Distilling the language model's word improbabilities into a head on the classifier's tokens",
        "",
        f"- command: `{r['command']}`; date: {r['date']}; model: {r['model']}; teacher: {r['lm']} (bfloat16)",
        f"- teacher readings: {r['teacher_lines']} lines ({r['teacher_pieces']} word pieces) of WMT14-15 original English,"
        " as written and spun by the training spinner, none of the validation lines below"
        + (f"; the LM read {r['lm_lines_per_second']} lines/s" if r["lm_lines_per_second"] else ""),
        "- each head: fitted on the frozen classifier's hidden states (its outputs unchanged), its estimates stacked with the"
        " classifier's spun logit as the LM's are (`fit_stack`: fitted on these validation lines, human vs training spinner;"
        " the tortured-phrase spinner held out), measured on fit_lm_stack's validation lines; no test split read",
        "- correlation: per word piece, estimate vs the LM's improbability, on every fifth teacher line held out of the fit",
        "",
        "| head | correlation | training spinner AUC: classifier | head alone | stacked | tortured (held out) AUC: classifier"
        " | head alone | stacked | paired, training spinner: classifier / stacked | paired, tortured | human lines with evidence |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    lines += [row(h["head"], f"{h['correlation']:.3f}", h) for h in r["heads"]]
    if r.get("lm_itself"):
        lines.append(row("the LM itself (reports/improbable-words.md, fp32)", "1", r["lm_itself"]))
    gains = {k: max(h[k]["auc_stacked"] - h[k]["auc_classifier"] for h in r["heads"]) for k in ("spun-embedding", "spun-tortured")}
    lm = r.get("lm_itself") or {}
    lm_gains = {k: lm[k]["auc_stacked"] - lm[k]["auc_classifier"] for k in gains if k in lm}
    lines += [
        "",
        f"Reading: the best head adds {gains['spun-embedding']:+.3f} ROC-AUC on the training spinner and"
        f" {gains['spun-tortured']:+.3f} on the held-out one"
        + (f", where the LM itself adds {lm_gains['spun-embedding']:+.3f} and {lm_gains['spun-tortured']:+.3f}" if lm_gains else "")
        + ". A head on the frozen classifier follows the LM's improbabilities only loosely (per-piece correlation at most"
        f" {max(h['correlation'] for h in r['heads']):.2f}); a head on frozen states can only re-read what they encode, and"
        " they were trained for the spun head, which reads the same lines already. Choosing the best"
        " of six heads on these lines would also flatter it. So no head ships: distillation that helps needs the encoder"
        " trained on the LM's marks (the token head with the marks as extra targets), which needs the teacher's readings"
        " of the training corpus (about 27,000 sentences: an hour of the LM on these 2 cores at the rate above, minutes on"
        " a GPU) and a retrained release.",
        "",
    ]
    return lines


if __name__ == "__main__":
    main()
