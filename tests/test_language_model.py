"""The language model (`--lm`, the `[lm]` extra): converted once, per-word surprisal, improbable-words
evidence stacked into spun, and a clear error without the extra or without a fitted stack."""

from __future__ import annotations

import json
import shutil
import sys

import pytest
from conftest import seed_text
from typer.testing import CliRunner

from detector.apps.cli import app
from detector.errors import ModelFilesError
from detector.lm import files as lm_files

pytestmark = pytest.mark.slow  # converts and runs a 270M-parameter model


def test_without_the_extra_the_error_says_what_to_install(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "gguf", None)  # import fails as if not installed
    with pytest.raises(lm_files.LanguageModelMissing, match=r"millcheck\[lm\]"):
        lm_files.converted_model_dir(tmp_path)
    result = CliRunner().invoke(app, ["score", "--lm", "--quiet", str(tmp_path)])
    assert result.exit_code == 2 and "millcheck[lm]" in result.output
    assert not list(tmp_path.iterdir()), "nothing half-written in the cache"


def test_lm_model_or_runtime_without_lm_is_a_usage_error(tmp_path):
    result = CliRunner().invoke(app, ["score", "--lm-model", str(tmp_path), "--quiet", str(tmp_path)])
    assert result.exit_code == 2 and "--lm-model needs --lm" in result.output
    result = CliRunner().invoke(app, ["score", "--lm-runtime", "onnxruntime", "--quiet", str(tmp_path)])
    assert result.exit_code == 2 and "--lm-runtime needs --lm" in result.output
    result = CliRunner().invoke(app, ["score", "--lm-every-sentence", "--quiet", str(tmp_path)])
    assert result.exit_code == 2 and "--lm-every-sentence needs --lm" in result.output
    result = CliRunner().invoke(app, ["score", "--lm", "--lm-runtime", "tensorrt", "--quiet", str(tmp_path)])
    assert result.exit_code == 2 and "tensorrt" in result.output
    result = CliRunner().invoke(
        app, ["score", "--lm", "--lm-runtime", "onnxruntime", "--lm-model", "org/some-lm", "--quiet", str(tmp_path)]
    )
    assert result.exit_code == 2 and "not a hub name" in result.output


def test_the_model_is_converted_once_then_loaded_from_the_cache(lm_cache, monkeypatch):
    folder = lm_files.converted_model_dir(lm_cache)
    assert (folder / lm_files.CONVERTED_MARKER).is_file() and any(folder.glob("*.safetensors"))
    assert not list(folder.parent.glob(".converting-*")), "no half-written folder left behind"

    def no_conversion(*args, **kwargs):
        raise AssertionError("converted again although the cache holds the model")

    monkeypatch.setattr(lm_files, "_convert", no_conversion)
    assert lm_files.converted_model_dir(lm_cache) == folder


def test_swapped_words_are_improbable_and_names_are_not(lm_detector):
    from detector.evidence.improbable_words import score_words

    finder = lm_detector.lm_finder
    context = "Russian troops have gathered near the border with Ukraine for weeks."
    sentences = ["The soldiers were grossly trompling the rights of the villagers.", "Vladimir Putin met Joe Biden in Geneva on Tuesday."]
    spun, plain = (
        {w.word.text: w for w in score_words(ws, *finder.stack.word_scoring)}
        for ws in finder.lm.word_surprisals(sentences, [context, context])
    )
    trompling = spun["trompling"]
    assert trompling.improbability >= finder.stack.mark_bar and trompling is max(spun.values(), key=lambda w: w.improbability)
    assert trompling.word.alternative and trompling.word.alternative != "trompling"
    assert max(w.improbability for w in plain.values()) < finder.stack.mark_bar, "names and places are not improbable"
    for ws, text in zip(finder.lm.word_surprisals(sentences, [context, context]), sentences):
        assert all(text[w.start : w.end] == w.text for w in ws), "offsets point at the words"


def test_with_lm_the_report_names_improbable_words_and_reads_every_sentence(lm_detector):
    text = seed_text("000")
    report = lm_detector.score(text)
    assert all(s.lm_words is not None for s in report.sentences), "the editor mode reads every sentence"
    found = [(s, e) for s in report.sentences for e in s.evidence if e.rule == "improbable_words"]
    assert found, "the spun seed has improbable words"
    for sentence, evidence in found:
        assert evidence.type == "spun" and "is improbable here" in evidence.message
        assert evidence.confidence == pytest.approx(sentence.labels["spun"], abs=1e-4), "the evidence carries the stacked probability"
        for span in evidence.spans:
            assert text[span.start : span.end] == span.text and sentence.start <= span.start < span.end <= sentence.end
    record = json.loads(json.dumps(report.to_dict()))
    assert all("lm_words" in s for s in record["sentences"])
    assert all(
        {"start", "end", "text", "surprisal", "improbability", "alternative"} <= set(w) for s in record["sentences"] for w in s["lm_words"]
    )


def test_the_lm_leaves_the_verdict_of_a_human_copy_to_heads_that_read_the_classifier(lm_detector):
    """The stack lifts a human sentence's spun probability (it is fitted on lines one in eight
    spun); the document heads, fitted on the classifier's, must not read that as a spun article."""
    report = lm_detector.score(seed_text("004"))
    assert report.verdict == "clean"
    assert any(s.labels["spun"] > 0.05 for s in report.sentences), "the stacked probabilities are reported"


def test_a_document_read_whole_is_judged_by_the_head_fitted_with_the_reading(lm_cache, lm_detector, monkeypatch):
    """With every content sentence read, the head `--lm` uses (document_head_lm) judges; without the
    reading (the editor's first answer) or with part of it (batch candidates), the default head."""
    from dataclasses import replace

    from detector import Detector
    from detector.document.features import LM_STRONGEST, content_sentences

    assert lm_detector.lm_document_head is not None and lm_detector.lm_document_head.features[-1] == LM_STRONGEST
    base = lm_detector.document_head  # a head that calls anything the LM read spun: which head judged shows
    spun = base.classes.index("spun")
    stub = replace(
        base,
        features=(*base.features, LM_STRONGEST),
        coef=tuple((*row, 50.0 if k == spun else 0.0) for k, row in enumerate(base.coef)),
        center=(*base.center, 0.0),
        scale=(*base.scale, 1.0),
        short_bars=(),
    )
    monkeypatch.setattr(lm_detector, "lm_document_head", stub)
    text = seed_text("004")
    read = lm_detector.score(text)
    assert read.verdict == "spun" and "the language model's mean improbability" in read.verdict_reason
    assert lm_detector.score(text, lm=False).verdict == "clean"
    batch = Detector.from_pretrained(lm="candidates", cache_dir=str(lm_cache))
    batch.lm_finder, batch.lm_document_head = lm_detector.lm_finder, stub
    partly = batch.score(text)
    assert any(s.lm_words is None for s in content_sentences(partly.sentences, partly.threshold))
    assert partly.verdict == "clean"


def test_candidates_mode_reads_only_suspected_sentences_and_the_spinners_coinages(lm_cache, lm_detector):
    from detector import Detector
    from detector.evidence.improbable_words import has_unknown_word
    from detector.labels import SPUN
    from detector.pipeline import LM_CANDIDATE_BAR
    from detector.text.segment import segment

    batch = Detector.from_pretrained(lm="candidates", cache_dir=str(lm_cache))
    batch.lm_finder = lm_detector.lm_finder  # the same model, not loaded twice
    plain = Detector.from_pretrained()
    text = seed_text("000")
    before = plain.score(text)
    report = batch.score(text)
    (scores,) = plain.scorer.score([segment(text)])
    for was, now in zip(before.sentences, report.sentences):
        suspected = was.labels[SPUN] >= LM_CANDIDATE_BAR
        wanted = suspected or bool(scores.words[was.index]) or has_unknown_word(was.text)
        assert (now.lm_words is not None) == wanted, was.text
        if not wanted:
            assert now.labels == was.labels, "a sentence the LM did not read keeps its scores"
    read = [s for s in report.sentences if s.lm_words is not None]
    assert 0 < len(read) < len(report.sentences)
    assert {"trompling", "calmening"} <= {w["text"] for s in read for w in s.lm_words}, "the coinages are read"
    assert plain.score(text).to_dict() == before.to_dict(), "without --lm nothing changes"
    assert all("lm_words" not in s for s in before.to_dict()["sentences"])


def test_batch_scoring_reads_every_sentence_when_asked(lm_cache, monkeypatch, tmp_path):
    """`score --lm --lm-every-sentence` reads as `serve --lm` does: every sentence, so the document
    is judged by the head that reads the language model (the default `--lm` reads suspects only)."""
    monkeypatch.setenv("MILLCHECK_CACHE_DIR", str(lm_cache))
    (tmp_path / "a.txt").write_text(seed_text("004"), encoding="utf-8")
    result = CliRunner().invoke(app, ["score", "--lm", "--lm-every-sentence", "--quiet", str(tmp_path / "a.txt")])
    assert result.exit_code == 0, result.output
    record = json.loads(result.stdout.strip().splitlines()[-1])
    assert record["verdict"] == "clean" and all("lm_words" in s for s in record["sentences"])


def test_a_model_without_a_fitted_stack_says_how_to_fit_one(tmp_path, lm_cache):
    from detector import Detector
    from detector.scoring.manifest import Manifest
    from detector.scoring.model_folder import DEFAULT_MODEL_DIR

    copy = tmp_path / "model"
    shutil.copytree(DEFAULT_MODEL_DIR, copy)
    manifest = Manifest.load(copy)
    manifest.discard("lm_stack")
    manifest.save(copy)
    (copy / "lm_stack.json").unlink()
    with pytest.raises(ModelFilesError, match="fit_lm_stack"):
        Detector.from_pretrained(str(copy), lm="candidates", cache_dir=str(lm_cache))


def test_the_llama_cpp_runtime_reads_as_transformers_does_or_says_what_to_install(lm_cache, lm_detector, monkeypatch):
    from detector.lm.llama_runtime import LlamaCppMissing
    from detector.lm.model import LanguageModel

    sentences = ["The soldiers were grossly trompling the rights of the villagers."]
    contexts = ["Russian troops have gathered near the border with Ukraine for weeks."]
    try:
        import llama_cpp  # noqa: F401
    except ImportError:
        with pytest.raises(LlamaCppMissing, match="pip install llama-cpp-python"):
            LanguageModel.from_pretrained(cache_dir=lm_cache, runtime="llama-cpp")
        return
    llama = LanguageModel.from_pretrained(cache_dir=lm_cache, runtime="llama-cpp")
    try:
        (fast,) = llama.word_surprisals(sentences, contexts)
    finally:
        llama.runtime.close()
    (exact,) = lm_detector.lm_finder.lm.word_surprisals(sentences, contexts)
    assert [w.text for w in fast] == [w.text for w in exact]
    assert max(abs(a.surprisal - b.surprisal) for a, b in zip(fast, exact)) < 1.0  # the same quantised weights
    monkeypatch.setitem(sys.modules, "llama_cpp", None)
    with pytest.raises(LlamaCppMissing, match="pip install llama-cpp-python"):
        LanguageModel.from_pretrained(cache_dir=lm_cache, runtime="llama-cpp")


def test_the_onnxruntime_runtime_reads_as_transformers_fp32_from_one_export(lm_cache, monkeypatch):
    from detector.lm.model import LanguageModel
    from detector.scoring.runtimes.onnx import OnnxRuntimeMissing

    text, spans = joined(["Officials met on Tuesday.", "The soldiers were grossly trompling the rights of the villagers."])
    exported = LanguageModel.from_pretrained(cache_dir=lm_cache, runtime="onnxruntime", progress=False)
    fp32 = LanguageModel.from_pretrained(cache_dir=lm_cache, dtype="float32", progress=False)
    (fast,) = exported.read_documents([text], [spans])
    (exact,) = fp32.read_documents([text], [spans])
    assert [[(w.text, w.alternative) for w in s] for s in fast] == [[(w.text, w.alternative) for w in s] for s in exact]
    assert max(abs(a.surprisal - b.surprisal) for sa, sb in zip(fast, exact) for a, b in zip(sa, sb)) < 0.01
    long = " ".join(
        ["The council met on Tuesday and approved the budget for the coming year."] * 45
    )  # past Gemma's 512-token sliding window
    ((fast_long,), (exact_long,)) = exported.word_surprisals([long]), fp32.word_surprisals([long])
    assert len(fast_long) == len(exact_long) > 500
    assert max(abs(a.surprisal - b.surprisal) for a, b in zip(fast_long, exact_long)) < 0.01
    path, written = exported.body.path, exported.body.path.stat().st_mtime_ns
    again = LanguageModel.from_pretrained(cache_dir=lm_cache, runtime="onnxruntime", progress=False)
    assert again.body.path == path and path.stat().st_mtime_ns == written  # read from the cache, not exported again
    with pytest.raises(ValueError, match="float32"):
        LanguageModel.from_pretrained(cache_dir=lm_cache, runtime="onnxruntime", dtype="bfloat16")
    with pytest.raises(ValueError, match="choose transformers, onnxruntime or llama-cpp"):
        LanguageModel.from_pretrained(cache_dir=lm_cache, runtime="tensorrt")
    from detector import Detector

    batch = Detector.from_pretrained(lm="all", lm_runtime="onnxruntime", cache_dir=str(lm_cache))
    assert batch.lm_finder.lm.body is not None
    text = "Officials met on Tuesday. The soldiers were grossly trompling the rights of the villagers."
    named = [[e.message for e in s.evidence if e.rule == "improbable_words"] for s in batch.score(text).sentences]
    assert any("trompling" in m for ms in named for m in ms)
    monkeypatch.setitem(sys.modules, "onnxruntime", None)
    with pytest.raises(OnnxRuntimeMissing, match="pip install"):
        LanguageModel.from_pretrained(cache_dir=lm_cache, runtime="onnxruntime", progress=False)


def test_batch_lm_leaves_out_the_sentences_a_reference_source_explains(lm_cache, tmp_path):
    """Issue 22 item 4: with a reference index, batch scoring's LM reads its candidates less the
    sentences aligned with a source (their `copied_from` shows what was changed)."""
    from detector import Detector
    from detector.provenance.reference import ReferenceIndex

    plain = Detector.from_pretrained(lm="candidates", cache_dir=str(lm_cache))
    folder = tmp_path / "wire.idx"
    ReferenceIndex.write(folder, plain.reference_sides([plain.score(seed_text("001"), id="wire")]), plain.encoder_name, 384)
    referenced = Detector.from_pretrained(lm="candidates", reference=str(folder), cache_dir=str(lm_cache))
    alone, linked = plain.score(seed_text("000"), id="copy"), referenced.score(seed_text("000"), id="copy")
    sourced = {s.index for s in linked.sentences if s.copied_from}
    read_alone = {s.index for s in alone.sentences if s.lm_words is not None}
    read_linked = {s.index for s in linked.sentences if s.lm_words is not None}
    assert linked.sources[0].id == "wire" and len(sourced & read_alone) >= 2
    assert read_linked == read_alone - sourced and read_linked
    stern = next(s for s in linked.sentences if "stern test" in s.text)
    assert stern.index in sourced and any(e.rule == "copied_from" for e in stern.evidence)  # explained by its source instead


def test_a_very_long_sentence_is_read_in_bounded_memory(lm_detector):
    from detector.lm.model import MAX_TOKENS

    lm = lm_detector.lm_finder.lm
    sentence = " ".join(["the council approved the budget"] * 600)  # 3,000 words, one "sentence"
    (words,) = lm.word_surprisals([sentence], ["Officials met on Tuesday."])
    assert 0 < len(words) < MAX_TOKENS and all(sentence[w.start : w.end] == w.text for w in words)


def test_a_sentence_reads_the_same_alone_or_batched_with_longer_ones(lm_detector):
    """Padding must not move a word's reading (Gemma's tokenizer pads on the left by default)."""
    lm = lm_detector.lm_finder.lm
    sentences = ["Prices rose.", "The council met on Tuesday and approved the budget for next year.", "It rained in Geneva."]
    contexts = ["", "Officials gathered in the town hall early in the morning.", "The weather was poor."]
    together = lm.word_surprisals(sentences, contexts)
    for sentence, context, batched in zip(sentences, contexts, together):
        (alone,) = lm.word_surprisals([sentence], [context])
        assert [w.text for w in batched] == [w.text for w in alone] and batched
        assert max(abs(a.surprisal - b.surprisal) for a, b in zip(batched, alone)) < 0.2


def test_a_document_reads_a_sentence_as_its_context_then_the_sentence(lm_detector):
    """read_documents (the finder's pass) and word_surprisals agree where the context is short."""
    lm = lm_detector.lm_finder.lm
    context, sentence = (
        "Officials met on Tuesday.\nThe talks lasted three hours.",
        "The soldiers were grossly trompling the rights of villagers.",
    )
    text = f"{context}\n\n{sentence}"
    ((read,),) = lm.read_documents([text], [[(len(text) - len(sentence), len(text))]])
    (alone,) = lm.word_surprisals([sentence], [context])
    assert [(w.start, w.end, w.text) for w in read] == [(w.start, w.end, w.text) for w in alone]
    assert max(abs(a.surprisal - b.surprisal) for a, b in zip(read, alone)) < 0.2


def joined(sentences: list[str]) -> tuple[str, list[tuple[int, int]]]:
    """The sentences joined by spaces, and each one's (start, end) in the text."""
    spans, start = [], 0
    for s in sentences:
        spans.append((start, start + len(s)))
        start += len(s) + 1
    return " ".join(sentences), spans


def test_a_sentence_reads_alike_whether_all_or_only_it_is_wanted(lm_detector):
    """The editor reads every sentence, batch scoring its candidates only: the same windows."""
    lm = lm_detector.lm_finder.lm
    text, spans = joined([f"Report {k}: the council approved a budget of {k} million for roads and schools." for k in range(40)])
    (every,) = lm.read_documents([text], [spans])
    for k in (0, 17, 39):  # the first, one past the first window (256 tokens), the last
        ((alone,),) = lm.read_documents([text], [[spans[k]]])
        assert [w.text for w in alone] == [w.text for w in every[k]] and all(
            text[spans[k][0] + w.start : spans[k][0] + w.end] == w.text for w in alone
        )
        assert max(abs(a.surprisal - b.surprisal) for a, b in zip(alone, every[k])) < 0.2
    assert every[0][0].text == "0", "the document's first word has nothing before it: not read"


def test_words_nobody_judges_are_not_read_out_and_the_rest_read_the_same(lm_detector):
    """The finder skips words with a capital (LMStack.skip_capitalised): they cost no output layer,
    and every other word keeps its surprisal and alternative (the windows do not move)."""
    lm = lm_detector.lm_finder.lm
    text, spans = joined([f"Mayor Ortega said the council of Springfield approved {k} new schools in March." for k in range(30)])
    (every,) = lm.read_documents([text], [spans])
    (lower,) = lm.read_documents([text], [spans], judged=lambda word: word.islower() or word.isdigit())
    for all_words, judged_words in zip(every, lower):
        expected = [w for w in all_words if w.text.islower() or w.text.isdigit()]
        assert [(w.start, w.text, w.alternative) for w in judged_words] == [(w.start, w.text, w.alternative) for w in expected]
        assert max(abs(a.surprisal - b.surprisal) for a, b in zip(judged_words, expected)) < 1e-3
    assert not any(w.text in ("Mayor", "Ortega", "Springfield", "March") for ws in lower for w in ws)


def test_bad_document_input_is_a_clear_error(lm_detector):
    with pytest.raises(ValueError, match="one list of spans per text"):
        lm_detector.lm_finder.lm.read_documents(["a text"], [])


def test_the_shipped_vocabulary_reads_words_as_the_whole_one_does(lm_detector):
    """The output layer reads the likeliest 65,536 tokens of English news in full (detector/lm/vocabulary.py);
    a word's surprisal moves by less than a nat (0.79 at most on validation lines, research/lm-vocabulary.md)
    and the spinner's coinage keeps its alternative."""
    lm = lm_detector.lm_finder.lm
    assert lm.config.vocabulary == 65_536 and len(lm.shortlist.ids) == 65_536
    text = seed_text("000")
    spans = [(0, len(text))]
    ((short,),) = lm.read_documents([text], [spans])
    kept, lm.shortlist = lm.shortlist, None
    try:
        ((whole,),) = lm.read_documents([text], [spans])
    finally:
        lm.shortlist = kept
    assert [(w.start, w.text) for w in short] == [(w.start, w.text) for w in whole] and len(short) > 300
    moved = sorted(abs(a.surprisal - b.surprisal) for a, b in zip(short, whole))
    assert moved[len(moved) // 2] < 0.01 and moved[-1] < 1.0
    assert sum(a.alternative != b.alternative for a, b in zip(short, whole)) <= len(short) // 100
