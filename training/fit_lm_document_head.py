"""Fit the document head that reads the language model (`document_head_lm.json`) and its bars for
short documents on validation data, and measure it once on test documents.

    python -m training.fit_lm_document_head [--model detector/models/default] [--config configs/release.yaml]

With `--lm`, a document whose every content sentence the language model read (`serve --lm`; batch
`score --lm` reads only the suspect sentences) is judged by a head that also reads the mean over its
content sentences of each one's least expected word's improbability (`features.LM_STRONGEST`).
Spun copies are high on it; human news of any publisher is not, where the classifier's spun
probability alone rises on wire-service prose (research/document-bar-on-unseen-news.md). The head
is fitted as the release fits the default one (training.train.fit_document_head: the validation
documents, C, and the bounds on clean documents), its short-document bars as
training.fit_short_bars fits them, on the same validation blocks (`--mt-blocks` machine-translated
ones: they only report, the bars are bounded by clean documents). The language model reads every
sentence as the editor does; its readings are cached (artifacts/cache), so a rerun is quick.

Then, read once: the test documents of the release report (one block, `--docs-per-kind` per
generator) and the seeds, by the default head and by this one. Writes the head into the model
folder (and its manifest) and reports/lm-document-head.md/.json.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import pickle
import sys
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path

from detector.document.features import lm_strongest_mean
from detector.document.head import save_head
from detector.scoring.configuration import OVERALL

from .config import TrainConfig
from .fit_lm_stack import READING_VERSION
from .fit_short_bars import fit_bars, rates, short_documents
from .fit_short_bars import report_lines as short_bar_lines

ROOT = Path(__file__).resolve().parents[1]
PART = "document_head_lm"


def cached_reader(detector, cache_dir: Path):
    """texts -> each one's `LM_STRONGEST` as `detector` (with `lm="all"`) reads it, cached on disk
    by the texts, the model and the reading's version."""

    def read(texts: list[str]) -> list[float | None]:
        key = hashlib.sha256(json.dumps([READING_VERSION, detector.name, detector.lm_finder.lm.name, texts]).encode()).hexdigest()[:16]
        path = cache_dir / f"lm-document-strongest-{key}.pkl"
        if path.exists():
            return pickle.loads(path.read_bytes())
        threshold = detector.config.threshold
        values = [lm_strongest_mean(report.sentences, threshold) for _, report in detector.score_many(texts)]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(pickle.dumps(values))
        return values

    return read


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default=str(ROOT / "detector" / "models" / "default"))
    parser.add_argument("--config", default=str(ROOT / "configs" / "release.yaml"))
    parser.add_argument("--mt-blocks", type=int, default=40, help="machine-translated validation blocks for the short bars' report")
    parser.add_argument("--docs-per-kind", type=int, default=50, help="test documents per generator (the release report's)")
    parser.add_argument("--report", default=str(ROOT / "reports" / "lm-document-head"))
    args = parser.parse_args()
    from detector import Detector
    from detector.scoring.predictor import Predictor

    from .corpus import CorpusBuilder
    from .documents import make_documents
    from .evaluate import document_accuracy, seed_verdicts
    from .sources import TEST
    from .train import fit_document_head

    config = TrainConfig.from_yaml(args.config)
    reading = Detector.from_pretrained(args.model, lm="all")  # every sentence read, as `serve --lm` reads
    read = cached_reader(reading, Path(config.corpus.cache_dir))
    model = Predictor.from_pretrained(args.model)
    head, fit = fit_document_head(model, config, model.threshold(OVERALL, 0.5), lm_reader=read)
    plain = Detector.from_pretrained(args.model)  # the classifier's probabilities, as the head reads them
    plain.lm_document_head = replace(head, short_bars=())
    short = short_documents(plain, config, args.mt_blocks, lm_reader=read)
    head = fit_bars(head, short, config)
    bars = {
        "command": " ".join(["python -m training.fit_lm_document_head", *sys.argv[1:]]),
        "date": f"{datetime.now(timezone.utc):%Y-%m-%d %H:%M UTC}",
        "model": plain.name,
        "threshold": head.threshold,
        "short_bars": [list(x) for x in head.short_bars],
        "head": PART,
        "fit": rates(short, head, 0),
        "check": rates(short, head, 1),
    }
    reading.lm_document_head = head
    docs = make_documents(CorpusBuilder(config.corpus), TEST, args.docs_per_kind, config.seed)
    result = {
        **{k: bars[k] for k in ("command", "date", "model", "threshold", "short_bars")},
        "language_model": reading.lm_finder.lm.name,
        "features": list(head.features),
        "validation_fit": fit,
        "short_bars_fit": bars,
        "test": {
            "documents": len(docs),
            "default_head": document_accuracy(plain, docs),
            "lm_head": document_accuracy(reading, docs),
            "seeds_default_head": seed_verdicts(plain),
            "seeds_lm_head": seed_verdicts(reading),
        },
    }
    save_head(args.model, PART, head)  # its file and its manifest entry
    Path(args.report).with_suffix(".json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    Path(args.report).with_suffix(".md").write_text("\n".join(report_lines(result)) + "\n", encoding="utf-8")
    print("\n".join(report_lines(result)))


def report_lines(r: dict) -> list[str]:
    fit, test = r["validation_fit"], r["test"]
    default, lm = test["default_head"], test["lm_head"]
    lines = [
        "# The document head with the language model's reading (`--lm`)",
        "",
        f"- command: `{r['command']}`; date: {r['date']}; model: {r['model']}; language model: {r['language_model']}",
        f"- reads: {', '.join(r['features'])}",
        f"- threshold {r['threshold']:.4f} (validation: {json.dumps(fit['documents'])});"
        f" bars for short documents (most content sentences, bar): {r['short_bars']}",
        f"- validation at the threshold: clean documents called anything but clean {fit['clean_flagged_at_threshold']:.3f}"
        f" ({', '.join(f'{g} {v:.3f}' for g, v in fit['clean_flagged_at_threshold_by_generator'].items())});"
        f" artifact documents caught {fit['artifact_documents_caught_at_threshold']:.3f}",
        "",
        f"## Test documents (read once: {test['documents']}, one block each, the release report's)",
        "",
        "| generator | default head | with the language model's reading |",
        "|---|---:|---:|",
    ]
    for g in default["per_generator"]:
        lines.append(f"| {g} | {default['per_generator'][g]['accuracy']:.3f} | {lm['per_generator'][g]['accuracy']:.3f} |")
    lines.append(f"| all ({default['n']} documents) | {default['accuracy']:.3f} | {lm['accuracy']:.3f} |")
    seeds_d, seeds_l = test["seeds_default_head"], test["seeds_lm_head"]
    lines += [
        "",
        "Seeds (expected, default head, with the language model's reading): "
        + "; ".join(f"{k} {v['expected']}: {v['verdict']}, {seeds_l[k]['verdict']}" for k, v in seeds_d.items() if isinstance(v, dict)),
        "",
    ]
    return lines + short_bar_lines(r["short_bars_fit"])


if __name__ == "__main__":
    main()
