"""Fine-tune the artifact classifier with the HF Trainer, calibrate it, and save it.

    python -m training.train --config configs/release.yaml [--data-dir ../shared/data] [--corpus DIR]

Steps: build (or load) the corpus; tokenise sentence + context pairs, with token labels for
swapped words; train the top encoder layers and the heads; fit Platt scaling per output on the
validation split and pick the default threshold that keeps false positives on clean validation
sentences under `max_fpr`; save the checkpoint (a delta on the base encoder) with its metrics.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import time
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import torch

from detector.document.head import DocumentHead, load_heads, not_clean, save_head
from detector.labels import MACHINE_TRANSLATED, VERDICT_CLEAN
from detector.scoring.classifier import ArtifactClassifier
from detector.scoring.configuration import OVERALL, ClassifierConfig
from detector.scoring.parts import Calibration, MTStack, Thresholds, band_of, sentence_words
from detector.scoring.predictor import Predictor

from .config import TrainConfig
from .corpus import OUTPUTS, build_corpus, describe

log = logging.getLogger("training.train")


def tokenize_dataset(dataset, tokenizer, max_length: int):
    """Input ids for (sentence, context) pairs plus one token label per sentence token (-100:
    unknown): 1 for a swapped word's pieces, and for the words of an `lm_spans` column (the
    language model's marks, `with_lm_marks`)."""

    def encode(batch):
        enc = tokenizer(
            batch["sentence"],
            batch["context"],
            truncation="longest_first",
            max_length=max_length,
            return_offsets_mapping=True,
        )
        token_labels = []
        for k, offsets in enumerate(enc["offset_mapping"]):
            sequence = enc.sequence_ids(k)
            spans = batch["spans"][k] + (batch["lm_spans"][k] if "lm_spans" in batch else [])
            known = batch["token_known"][k]
            row = []
            for (start, end), seq in zip(offsets, sequence):
                if seq != 0 or end <= start:
                    row.append(-100)
                elif any(start < b and a < end for a, b in spans):
                    row.append(1)
                else:
                    row.append(0 if known else -100)
            token_labels.append(row)
        enc.pop("offset_mapping")
        enc["token_labels"] = token_labels
        return enc

    keep = {"labels"}
    return dataset.map(encode, batched=True, remove_columns=[c for c in dataset.column_names if c not in keep])


def with_lm_marks(dataset, path: str):
    """`dataset` with an `lm_spans` column: per example, the words the language model marked in
    it (training/lm_marks.py; none where it was not read)."""
    from .lm_marks import key, load_marks, preceding

    marks = load_marks(path)
    if not marks:
        raise FileNotFoundError(f"no language-model marks in {path}; make them with `python -m training.lm_marks --corpus DIR`")
    before = preceding(dataset["sentence"], dataset["doc_id"])
    spans = [marks.get(key(s, b), []) if known else [] for s, b, known in zip(dataset["sentence"], before, dataset["token_known"])]
    read = sum(key(s, b) in marks for s, b in zip(dataset["sentence"], before))
    log.info("language-model marks: %d of %d examples read, %d words marked", read, len(dataset), sum(map(len, spans)))
    return dataset.add_column("lm_spans", spans)


class PairCollator:
    """Pads ids with the tokenizer and token labels with -100."""

    def __init__(self, tokenizer):
        self.tokenizer = tokenizer

    def __call__(self, features):
        token_labels = [f.pop("token_labels") for f in features]
        labels = torch.tensor([f.pop("labels") for f in features], dtype=torch.float32)
        batch = self.tokenizer.pad(features, return_tensors="pt")
        width = batch["input_ids"].shape[1]
        batch["token_labels"] = torch.tensor([t + [-100] * (width - len(t)) for t in token_labels], dtype=torch.long)
        batch["labels"] = labels
        return batch


def fit_platt(logits: np.ndarray, labels: np.ndarray, priors: dict[str, float] | None = None) -> dict[str, list[float]]:
    """Per-output logistic calibration on held-out logits (identity where a class is missing).

    `priors`: per output, the base rate to calibrate for instead of the held-out split's own; the
    intercept moves by logit(prior) - logit(split rate), the standard prior-shift correction.
    """
    from sklearn.linear_model import LogisticRegression

    priors = priors or {}
    unknown = set(priors) - set(OUTPUTS)
    if unknown:
        raise ValueError(f"calibration_priors names unknown outputs: {sorted(unknown)}")
    calibration = {}
    for k, name in enumerate(OUTPUTS):
        y = labels[:, k].round().astype(int)
        if 0 < y.sum() < len(y):
            lr = LogisticRegression(C=100.0).fit(logits[:, k : k + 1], y)
            intercept = float(lr.intercept_[0])
            if name in priors:
                intercept += _logit(priors[name]) - _logit(float(y.mean()))
            calibration[name] = [float(lr.coef_[0, 0]), intercept]
    return calibration


def fit_length_bands(
    logits: np.ndarray, words: np.ndarray, bands: dict[str, list[int]], scaling: dict[str, list[float]], reference: np.ndarray
) -> dict[str, list[list[float]]]:
    """Per output named in `bands`, its Platt scaling (`scaling`) moved per band of sentence length
    (words up to each bound, the last band open) so that the `reference` rows (clean native English)
    have one median in every band: the whole reference's. The slope and every band's order stay;
    a sentence's length alone stops reading as evidence. Spun examples are long more often than
    human ones (a spun sentence holds two swaps or more) and the head learned length from them; how
    much of that is real evidence: research/spun-length-calibration.md (not in v9)."""
    unknown = set(bands) - set(OUTPUTS)
    if unknown:
        raise ValueError(f"calibration_length_bands names unknown outputs: {sorted(unknown)}")
    fitted = {}
    for name, bounds in bands.items():
        if not bounds or list(bounds) != sorted(set(bounds)) or bounds[0] < 1:
            raise ValueError(f"the length bands of {name} must be rising word counts from 1, not {bounds!r}")
        a, b = scaling.get(name, [1.0, 0.0])
        level = a * logits[:, OUTPUTS.index(name)] + b
        mosts = [*bounds, int(words.max(initial=bounds[-1] + 1))]  # the last band: every longer sentence
        band, target, out = band_of(np.array(mosts), words), float(np.median(level[reference])), []
        for i, most in enumerate(mosts):
            inside = reference & (band == i)
            if not inside.any():
                raise ValueError(f"the {name} band of {(mosts[i - 1] if i else 0) + 1}-{most} words has no reference sentences")
            out.append([float(most), a, b + target - float(np.median(level[inside]))])
        fitted[name] = out
    return fitted


def _logit(p: float) -> float:
    if not 0.0 < p < 1.0:
        raise ValueError(f"a prior must lie strictly between 0 and 1, got {p}")
    return float(np.log(p / (1.0 - p)))


def pick_threshold(sentence_scores: np.ndarray, is_clean: np.ndarray, max_fpr: float, floor: float = 0.5, ceiling: float = 0.95) -> float:
    """The lowest threshold (within [floor, ceiling]) whose false-positive rate on clean items is at most `max_fpr`."""
    clean = np.sort(sentence_scores[is_clean])
    if len(clean) == 0:
        return 0.5
    k = int(np.floor(max_fpr * len(clean)))
    cut = clean[len(clean) - k - 1] if k < len(clean) else 0.0
    return float(min(ceiling, max(floor, np.nextafter(cut, 1.0))))


@dataclass
class ValidationDocuments:
    """The document heads' fitting data: validation documents scored by the full detector, as
    named document features, with each document's expected verdict and the generator it came from
    (`human` and `human-translation` are the clean ones)."""

    x: np.ndarray
    expected: np.ndarray
    generators: np.ndarray
    per_length_in_blocks: dict[int, int]


def validation_documents(model: Predictor, config: TrainConfig, threshold: float, roundtrip=None, lm_reader=None) -> ValidationDocuments:
    """Score the validation documents (evidence included) into document features. With a
    `roundtrip` engine the documents' mean round-trip similarity is one more feature; with an
    `lm_reader` (texts -> each one's `features.LM_STRONGEST`, fit_lm_document_head.py) the
    language model's reading is."""
    from detector.document.features import document_features
    from detector.pipeline import Detector, DetectorConfig
    from detector.scoring.encoder import SentenceEncoder

    from .documents import head_fitting_documents

    by_length = head_fitting_documents(config)
    docs = [d for group in by_length.values() for d in group]
    # The heads being replaced may read other features than the ones fitted here: only the reports'
    # sentences are used, so the detector is given none.
    detector = Detector(
        model, SentenceEncoder.from_pretrained(model.config.base_model), DetectorConfig(threshold=threshold), roundtrip=roundtrip
    )
    reports = [report for _, report in detector.score_many(d.text for d in docs)]
    lm_strongest = lm_reader([d.text for d in docs]) if lm_reader is not None else [None] * len(docs)
    x = np.array(
        [
            document_features(
                r.sentences,
                threshold,
                roundtrip=_similarity(r) if roundtrip else None,
                document_mt=detector.document_mt_logit(r.sentences, threshold),
                lm_strongest=strongest,
            )
            for r, strongest in zip(reports, lm_strongest)
        ]
    )
    if roundtrip is not None:  # a document with no sentence to round-trip takes the mean
        column = x[:, -1]
        column[np.isnan(column)] = np.nanmean(column)
    return ValidationDocuments(
        x,
        np.array([d.expected for d in docs]),
        np.array([d.generator for d in docs]),
        {blocks: len(group) for blocks, group in by_length.items()},
    )


def fit_document_head(model: Predictor, config: TrainConfig, threshold: float, roundtrip=None, lm_reader=None) -> tuple[DocumentHead, dict]:
    """Fit the document head on validation documents scored by the full detector (evidence included).

    With a `roundtrip` engine, the head for the MT check: the documents' mean round-trip
    similarity is one more feature. With an `lm_reader`, the head for `--lm`: the language
    model's reading is (`validation_documents`).
    """
    from detector.document.features import columns_outside, feature_names

    data = validation_documents(model, config, threshold, roundtrip, lm_reader)
    head = fit_head_weights(data.x, data.expected, config.document_head_c, ignore=columns_outside(config.document_head_types))
    names = feature_names(document_mt=model.document_lexical is not None, roundtrip=roundtrip is not None, lm=lm_reader is not None)
    return threshold_document_head(replace(head, features=names), data, config)


def threshold_document_head(head: DocumentHead, data: ValidationDocuments, config: TrainConfig) -> tuple[DocumentHead, dict]:
    """`head` with the threshold on 1 - P(clean) that flags at most `max_document_fpr` of the clean
    validation documents, and at most `max_document_fpr_by_generator[g]` of those of generator `g`
    (native English and human translations run apart); what it flags and catches there."""
    probs = [head.probabilities(list(row)) for row in data.x]
    scores = np.array([not_clean(p) for p in probs])
    clean = data.expected == VERDICT_CLEAN
    head = replace(head, threshold=bounded_threshold(scores, clean, data.generators, config))
    flagged = scores >= head.threshold
    predicted = np.array([max(p, key=p.get) for p in probs])
    return head, {
        "documents": {c: int((data.expected == c).sum()) for c in head.classes},
        "documents_per_length_in_blocks": data.per_length_in_blocks,
        "fit_accuracy": float((predicted == data.expected).mean()),
        "threshold": head.threshold,
        "clean_flagged_at_threshold": float(flagged[clean].mean()),
        "clean_flagged_at_threshold_by_generator": {
            str(g): float(flagged[clean & (data.generators == g)].mean()) for g in sorted(set(data.generators[clean]))
        },
        "artifact_documents_caught_at_threshold": float(flagged[~clean].mean()),
    }


def document_bounds(config: TrainConfig, clean: np.ndarray, generators: np.ndarray) -> list[tuple[np.ndarray, float]]:
    """(documents, the share of them that may be flagged) per bound of the config: all clean
    documents under `max_document_fpr`, each generator's under `max_document_fpr_by_generator`."""
    bounds = {None: config.max_document_fpr, **config.max_document_fpr_by_generator}
    return [(clean & (generators == g if g else True), fpr) for g, fpr in bounds.items()]


def bounded_threshold(scores: np.ndarray, clean: np.ndarray, generators: np.ndarray, config: TrainConfig) -> float:
    """The lowest document threshold within every bound of the config: the strictest of their cuts."""
    return max(
        pick_threshold(scores, documents, fpr, floor=0.5, ceiling=0.99) for documents, fpr in document_bounds(config, clean, generators)
    )


def fit_thresholded_head(x: np.ndarray, y: np.ndarray, c: float, ignore: list[int], max_fpr: float) -> tuple[DocumentHead, list[dict]]:
    """`fit_head_weights`, then the threshold on 1 - P(clean) that flags at most `max_fpr` of the
    clean documents in `x`; also each document's class probabilities."""
    head = fit_head_weights(x, y, c, ignore=ignore)
    probs = [head.probabilities(list(row)) for row in x]
    scores = np.array([not_clean(p) for p in probs])
    return replace(head, threshold=pick_threshold(scores, y == VERDICT_CLEAN, max_fpr, floor=0.5, ceiling=0.99)), probs


def fit_head_weights(x: np.ndarray, y: np.ndarray, c: float, ignore: tuple[int, ...] | list[int] = ()) -> DocumentHead:
    """A multinomial logistic regression on standardised features, as a `DocumentHead` (threshold
    still to pick). Columns in `ignore` get no weight (centre 0, scale 1, coefficients 0)."""
    from sklearn.linear_model import LogisticRegression

    keep = [j for j in range(x.shape[1]) if j not in set(ignore)]
    std = x.std(axis=0)
    center, scale = x.mean(axis=0), np.where(std > 1e-6, std, 1.0)
    center[list(ignore)], scale[list(ignore)] = 0.0, 1.0
    lr = LogisticRegression(C=c, max_iter=5000, class_weight="balanced").fit(((x - center) / scale)[:, keep], y)
    # binary: softmax over [0, w.x + b] is the sigmoid sklearn fitted
    weights = lr.coef_ if len(lr.classes_) > 2 else np.vstack([np.zeros_like(lr.coef_), lr.coef_])
    intercept = lr.intercept_ if len(lr.classes_) > 2 else np.array([0.0, lr.intercept_[0]])
    coef = np.zeros((len(weights), x.shape[1]))
    coef[:, keep] = weights
    return DocumentHead(
        tuple(lr.classes_), tuple(map(tuple, coef.tolist())), tuple(intercept.tolist()), tuple(center.tolist()), tuple(scale.tolist())
    )


def _similarity(report) -> float:
    return report.mt_check["similarity"] if report.mt_check else float("nan")


def sentence_scores(probs: np.ndarray) -> np.ndarray:
    """What the detector flags on: the highest of all outputs (before evidence is added)."""
    return probs.max(axis=1)


def evaluate_split(model: Predictor, dataset, batch_size: int = 64) -> tuple[np.ndarray, np.ndarray]:
    logits = model.predict_logits(dataset["sentence"], dataset["context"], batch_size=batch_size)
    return logits, np.asarray(dataset["labels"], dtype=np.float32)


def train(config: TrainConfig, corpus=None):
    from transformers import Trainer, TrainingArguments, set_seed
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    hf_logging.set_verbosity_error()
    if config.num_threads:
        torch.set_num_threads(config.num_threads)
    set_seed(config.seed)
    started = time.time()
    corpus = corpus if corpus is not None else build_corpus(config)
    log.info("corpus\n%s", describe(corpus))

    model = ArtifactClassifier.from_base(
        ClassifierConfig(
            max_length=config.max_length,
            context_window=config.context_window,
            trainable_layers=config.trainable_layers,
            lora_rank=config.lora_rank,
            token_head=config.token_head,
            loss_weights=dict(config.loss_weights),
            name=config.name,
        ),
        seed=config.seed,
    )
    started_from = start_from(model, config.init_from) if config.init_from else None
    train_split = with_lm_marks(corpus["train"], config.lm_marks) if config.lm_marks else corpus["train"]
    train_set = tokenize_dataset(train_split, model.tokenizer, config.max_length)
    args = TrainingArguments(
        output_dir=str(Path(config.output_dir) / "trainer"),
        num_train_epochs=config.epochs,
        max_steps=config.max_steps,
        per_device_train_batch_size=config.batch_size,
        learning_rate=config.learning_rate,
        warmup_steps=config.warmup_ratio,  # a float in [0, 1) is a ratio of the total steps
        weight_decay=config.weight_decay,
        logging_steps=config.logging_steps,
        save_strategy="no",
        report_to=[],
        seed=config.seed,
        data_seed=config.seed,
        disable_tqdm=True,
        use_cpu=not torch.cuda.is_available(),
        dataloader_num_workers=0,
        remove_unused_columns=False,
    )
    trainer = Trainer(model=model, args=args, train_dataset=train_set, data_collator=PairCollator(model.tokenizer))
    result = trainer.train()
    losses = [h["loss"] for h in trainer.state.log_history if "loss" in h]
    model.eval()
    predictor = Predictor(model)
    fitted = fit_heads(predictor, corpus, config)
    document_head = fitted.pop("document_head")
    summary = {
        "name": config.name,
        "train_examples": len(corpus["train"]),
        "validation_examples": len(corpus["validation"]),
        "steps": trainer.state.global_step,
        "started_from": started_from,
        "train_loss_first": losses[0] if losses else None,
        "train_loss_last": losses[-1] if losses else None,
        "train_loss_curve": losses,
        "train_runtime_s": result.metrics.get("train_runtime"),
        "total_runtime_s": time.time() - started,
        **fitted,
        "config": config.to_dict(),
        "torch_threads": torch.get_num_threads(),
    }
    out = Path(config.output_dir)
    predictor.save_pretrained(out)
    save_head(out, "document_head", document_head)
    save_head(out, "document_head_mt_check", None)  # fit it with --document-head-only DIR --mt-check
    (out / "training_metrics.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    return predictor, summary


def start_from(model: ArtifactClassifier, folder: str) -> str:
    """Load the weight delta of a model folder (`TrainConfig.init_from`) into a fresh classifier of
    the same architecture, so training continues from it; refuses a folder of another shape.
    Returns the name of the model started from."""
    from detector.errors import ModelFilesError

    previous = ArtifactClassifier.from_pretrained(folder)
    delta = previous.delta_state_dict()
    expected = model.delta_state_dict()
    if previous.config.outputs != model.config.outputs or set(delta) != set(expected):
        raise ModelFilesError(f"cannot start from {folder}: its classifier is not shaped like this config's")
    if any(delta[k].shape != v.shape for k, v in expected.items()):
        raise ModelFilesError(f"cannot start from {folder}: its weights' shapes differ from this config's")
    model.load_state_dict(delta, strict=False)
    log.info("starting from %s (%d tensors)", folder, len(delta))
    return previous.config.name


def fit_heads(model: Predictor, corpus, config: TrainConfig) -> dict:
    """Everything fitted on validation data after the encoder is trained: the lexical MT stack (when
    configured; its scorer is fitted on the train split), Platt scaling, the default threshold and
    the document head. Returns the validation summary, with the document head under `document_head`."""
    from .metrics import load_metric

    model.lexical, model.mt_stack = None, None
    val_logits, val_labels = evaluate_split(model, corpus["validation"])
    sentences = list(corpus["validation"]["sentence"])
    lexical = None
    if config.lexical_mt:
        from detector.scoring.lexical_mt import LexicalConfig

        from .lexical_mt import fit_lexical, fit_lexical_on_blocks, fit_stack, split_contexts

        mt = OUTPUTS.index(MACHINE_TRANSLATED)
        lexical_config = LexicalConfig(context=config.lexical_context, context_window=config.lexical_context_window)
        if config.lexical_source == "blocks":
            [contexts] = split_contexts([corpus["validation"]], config.corpus, config.lexical_context_window)
            scorer = fit_lexical_on_blocks(config.corpus, config.lexical_c, lexical_config, seed=config.seed)
        else:  # "corpus" (TrainConfig refuses any other value)
            train_contexts, contexts = split_contexts([corpus["train"], corpus["validation"]], config.corpus, config.lexical_context_window)
            scorer = fit_lexical(corpus["train"], config.lexical_c, lexical_config, seed=config.seed, contexts=train_contexts)
        lexical_logits = scorer.logits(sentences, contexts)
        is_mt = val_labels[:, mt] >= 0.5
        encoder_auc = _auc(val_logits[:, mt], is_mt)
        model.mt_stack = MTStack(*fit_stack(val_logits[:, mt], lexical_logits, is_mt))
        model.lexical = scorer
        val_logits = model.stack_logits(val_logits, lexical_logits)
        lexical = {
            "stack": model.mt_stack.as_list(),
            "validation_mt_roc_auc": {"encoder": encoder_auc, "stacked": _auc(val_logits[:, mt], is_mt)},
        }
    scaling = fit_platt(val_logits, val_labels, config.calibration_priors)
    native = (val_labels[:, OUTPUTS.index(OVERALL)] == 0) & (np.asarray(corpus["validation"]["generator"]) == "human")
    bands = fit_length_bands(val_logits, sentence_words(sentences), config.calibration_length_bands, scaling, native)
    model.calibration = Calibration(scaling, bands)
    val_probs = model.calibrate(val_logits, sentences)
    clean = val_labels[:, OUTPUTS.index(OVERALL)] == 0
    threshold = pick_threshold(sentence_scores(val_probs), clean, config.max_fpr, ceiling=config.threshold_ceiling)
    model.thresholds = Thresholds({OVERALL: threshold})
    fit_document_scorer(model, config)
    document_head, document_fit = fit_document_head(model, config, threshold)
    validation = load_metric().compute(
        predictions=val_probs.tolist(), references=val_labels.tolist(), label_names=list(OUTPUTS), threshold=threshold
    )
    return {
        "threshold": threshold,
        "validation_fpr_clean": float(np.mean(sentence_scores(val_probs)[clean] >= threshold)) if clean.any() else None,
        "validation": validation,
        "document_head_fit": document_fit,
        "lexical_mt": lexical,
        "document_head": document_head,
    }


def fit_document_scorer(model: Predictor, config: TrainConfig) -> None:
    """Give `model` the document-level lexical MT scorer when the config asks for one (fitted on the
    train split), or take it away: the document heads fitted next read its logit only if present."""
    model.document_lexical = None
    if config.document_lexical:
        from .lexical_mt import fit_document_lexical

        model.document_lexical = fit_document_lexical(
            config.corpus,
            config.document_blocks,
            config.document_lexical_c,
            config.seed,
            max_documents=config.document_lexical_max_documents,
        )


def _drop_stale_mt_check_head(model_dir: str, model: Predictor) -> None:
    """An MT-check head fitted before the document-level scorer came or went reads other features:
    remove it (refit it with --mt-check) rather than ship a head that raises."""
    from detector.document.features import feature_names

    head = load_heads(model_dir)["document_head_mt_check"]
    expected = feature_names(document_mt=model.document_lexical is not None, roundtrip=True)
    if head is None or head.features == expected or (not head.features and len(head.coef[0]) == len(expected)):
        return
    log.warning("dropping the MT-check document head: it was fitted on other document features; refit it with --mt-check")
    save_head(model_dir, "document_head_mt_check", None)


def _auc(scores: np.ndarray, positive: np.ndarray) -> float | None:
    from sklearn.metrics import roc_auc_score

    return float(roc_auc_score(positive, scores)) if 0 < positive.sum() < len(positive) else None


def refit_heads(model_dir: str, config: TrainConfig, corpus) -> dict:
    """Refit what `fit_heads` fits on a saved model (its encoder untouched), e.g. to add the lexical stack."""
    model = Predictor.from_pretrained(model_dir)
    fitted = fit_heads(model, corpus, config)
    model.config.name = config.name
    model.save_pretrained(model_dir)
    save_head(model_dir, "document_head", fitted.pop("document_head"))
    _drop_stale_mt_check_head(model_dir, model)
    _update_metrics(model_dir, {**fitted, "name": config.name, "heads_refit_from_config": config.to_dict()})
    return {k: v for k, v in fitted.items() if k != "validation"}


def refit_document_head(model_dir: str, config: TrainConfig, mt_check: bool = False) -> dict:
    """Fit (or refit) a document head of a saved model, and the document-level lexical MT scorer it
    reads (`document_lexical`); the encoder and the sentence heads stay as they are. Only the files
    of what is refit are rewritten.

    `mt_check`: the head used with the round-trip MT check (`document_head_mt_check`); it reads
    the document-level scorer the model already carries, if any.
    """
    from detector.scoring.manifest import Manifest
    from detector.scoring.mt_check import MarianRoundTrip

    from .package_model import upgrade

    upgrade(Path(model_dir))  # a 0.1.0 folder is rewritten in the parts layout first
    model = Predictor.from_pretrained(model_dir)
    threshold = model.threshold(OVERALL, 0.5)
    if mt_check:
        engine = MarianRoundTrip(config.corpus.cache_dir)
        head, document_fit = fit_document_head(model, config, threshold, roundtrip=engine)
        save_head(model_dir, "document_head_mt_check", head)
    else:
        fit_document_scorer(model, config)
        manifest = Manifest.load(model_dir)
        model.save_lexical(model_dir, manifest)  # the document-level scorer, written or removed
        manifest.save(model_dir)
        head, document_fit = fit_document_head(model, config, threshold)
        save_head(model_dir, "document_head", head)
        _drop_stale_mt_check_head(model_dir, model)
    _update_metrics(model_dir, {"document_head_roundtrip_fit" if mt_check else "document_head_fit": document_fit})
    return document_fit


def refit_document_threshold(model_dir: str, config: TrainConfig, mt_check: bool = False) -> dict:
    """Re-pick only a document head's threshold, under the config's bounds (`max_document_fpr`,
    `max_document_fpr_by_generator`), on the validation documents it was fitted on; its weights
    and every other part stay as they are, and only that head's file is rewritten."""
    from detector.scoring.mt_check import MarianRoundTrip

    part = "document_head_mt_check" if mt_check else "document_head"
    head = load_heads(model_dir)[part]
    if head is None:
        raise ValueError(f"{model_dir} has no {part} to re-threshold; fit it with --document-head-only{' --mt-check' if mt_check else ''}")
    model = Predictor.from_pretrained(model_dir)
    engine = MarianRoundTrip(config.corpus.cache_dir) if mt_check else None
    data = validation_documents(model, config, model.threshold(OVERALL, 0.5), roundtrip=engine)
    head, document_fit = threshold_document_head(head, data, config)
    save_head(model_dir, part, head)
    bounds = {"max_document_fpr": config.max_document_fpr, "max_document_fpr_by_generator": config.max_document_fpr_by_generator}
    _update_metrics(model_dir, {"document_head_roundtrip_fit" if mt_check else "document_head_fit": {**document_fit, "bounds": bounds}})
    return document_fit


def _update_metrics(model_dir: str, fields: dict) -> None:
    metrics_path = Path(model_dir) / "training_metrics.json"
    summary = json.loads(metrics_path.read_text(encoding="utf-8")) if metrics_path.exists() else {}
    summary.update(fields)
    metrics_path.write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--config", required=True)
    parser.add_argument("--data-dir", help="the shared data folder (default: ../shared/data)")
    parser.add_argument("--corpus", help="a corpus saved by training.corpus (default: build it now)")
    parser.add_argument("--output-dir")
    parser.add_argument(
        "--document-head-only",
        metavar="MODEL_DIR",
        help="only (re)fit the document head of a saved model (and, with document_lexical, its document-level scorer)",
    )
    parser.add_argument(
        "--document-threshold-only",
        metavar="MODEL_DIR",
        help="only re-pick a saved document head's threshold under the config's bounds (max_document_fpr_by_generator)",
    )
    parser.add_argument("--mt-check", action="store_true", help="with --document-head-only or --document-threshold-only: the MT-check head")
    parser.add_argument(
        "--heads-only", metavar="MODEL_DIR", help="refit a saved model's lexical MT stack, calibration, threshold and document head"
    )
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    config = TrainConfig.from_yaml(args.config, output_dir=args.output_dir)
    if args.data_dir:
        config.corpus.data_dir = args.data_dir
    if args.document_head_only:
        print(json.dumps(refit_document_head(args.document_head_only, config, args.mt_check), indent=2))
        return
    if args.document_threshold_only:
        print(json.dumps(refit_document_threshold(args.document_threshold_only, config, args.mt_check), indent=2))
        return
    corpus = None
    if args.corpus:
        from datasets import load_from_disk

        corpus = load_from_disk(args.corpus)
    if args.heads_only:
        print(json.dumps(refit_heads(args.heads_only, config, corpus if corpus is not None else build_corpus(config)), indent=2))
        return
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    _, summary = train(config, corpus)
    print(json.dumps({k: v for k, v in summary.items() if k not in ("config", "train_loss_curve", "validation")}, indent=2))


if __name__ == "__main__":
    main()
