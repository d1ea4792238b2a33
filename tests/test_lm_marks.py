"""Distillation's teacher marks: the LM's improbable words become token-head targets."""

from __future__ import annotations

import json

import pytest
from datasets import Dataset

from training.lm_marks import agreement, key, load_marks, preceding, read_marks, wanted
from training.train import tokenize_dataset, with_lm_marks

SPUN_LINE = "The protesters were grossly trompling on the rights of others."


def _dataset(rows):
    columns = ("sentence", "context", "labels", "spans", "token_known", "doc_id")
    return Dataset.from_dict({c: [r[c] for r in rows] for c in columns})


def _row(sentence, doc_id, known=True, spans=()):
    return {
        "sentence": sentence,
        "context": "",
        "labels": [0.0] * 7,
        "spans": [list(s) for s in spans],
        "token_known": known,
        "doc_id": doc_id,
    }


def test_each_sentence_is_read_after_the_earlier_sentences_of_its_block():
    sentences = ["A b.", "C d.", "E f.", "G h."]
    assert preceding(sentences, ["x", "x", "x", "y"]) == ["", "A b.", "A b. C d.", ""]
    assert preceding(["one two three", "four"], ["x", "x"], chars=5) == ["", "three"]


def test_marked_words_become_token_targets_where_labels_are_known(encoder, tmp_path):
    rows = [_row("Talks went on.", "b1"), _row(SPUN_LINE, "b1"), _row(SPUN_LINE, "b2", known=False)]
    start = SPUN_LINE.index("trompling")
    marks = tmp_path / "marks.jsonl"
    marks.write_text(
        "\n".join(json.dumps({"sentence": SPUN_LINE, "before": b, "marks": [[start, start + 9]]}) for b in ("Talks went on.", "")) + "\n",
        encoding="utf-8",
    )
    dataset = _dataset(rows)
    assert list(wanted(dataset)) == [("Talks went on.", ""), (SPUN_LINE, "Talks went on.")]
    marked = with_lm_marks(dataset, str(marks))
    assert marked["lm_spans"] == [[], [[start, start + 9]], []]  # not where token labels are unknown
    tokenizer = encoder.tokenizer
    labels = tokenize_dataset(marked, tokenizer, 64)["token_labels"]
    plain = tokenize_dataset(dataset, tokenizer, 64)["token_labels"]
    pieces = tokenizer(SPUN_LINE, return_offsets_mapping=True)["offset_mapping"]
    on_word = [i for i, (a, b) in enumerate(pieces) if a < start + 9 and b > start]
    assert on_word and all(labels[1][i] == 1 for i in on_word) and all(plain[1][i] == 0 for i in on_word)
    assert sum(v == 1 for v in labels[1]) == len(on_word)
    assert labels[0] == plain[0] and labels[2] == plain[2] and set(labels[2]) == {-100}


def test_agreement_counts_swaps_the_lm_marked_and_marks_on_unswapped_lines():
    rows = [_row("Talks went on.", "b1"), _row(SPUN_LINE, "b1", spans=[(20, 29), (0, 3)])]
    marks = {key("Talks went on.", ""): [[0, 5]], key(SPUN_LINE, "Talks went on."): [[20, 29], [30, 32]]}
    assert agreement(_dataset(rows), marks) == {
        "swapped_words_marked": 0.5,
        "marks_on_swapped_words": 1 / 3,
        "marks_per_unswapped_sentence": 1.0,
    }


def test_training_without_the_marks_file_says_how_to_make_it(tmp_path):
    with pytest.raises(FileNotFoundError, match="training.lm_marks"):
        with_lm_marks(_dataset([_row("A b.", "x")]), str(tmp_path / "none.jsonl"))


@pytest.mark.slow  # runs the language model
def test_the_lm_marks_a_swapped_word_and_a_rerun_reads_only_what_is_new(lm_cache, tmp_path):
    from detector.lm.model import LanguageModel
    from detector.lm.stack import LMStack
    from detector.scoring.model_folder import DEFAULT_MODEL_DIR

    lm = LanguageModel.from_pretrained(cache_dir=lm_cache, progress=False)
    stack = LMStack.load(DEFAULT_MODEL_DIR)
    out = tmp_path / "marks.jsonl"
    todo = [(SPUN_LINE, "Police said the march began at noon."), ("The council met on Tuesday.", "")]
    assert read_marks(lm, stack, todo, out, progress=False) == 2
    marks = load_marks(out)
    assert set(marks) == {key(s, b) for s, b in todo}
    words = [SPUN_LINE[a:b] for a, b in marks[key(*todo[0])]]
    assert "trompling" in words
    assert [p for p in todo if key(*p) not in marks] == []
