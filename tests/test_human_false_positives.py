"""The false-positive report's measures and target checks (the report itself: reports/human-false-positives.md)."""

from __future__ import annotations

from detector.labels import ARTIFACT_TYPES
from training.human_false_positives import SHORT_CUTS, lm_targets, measure, measure_short, pooled, render, render_short, seed_flags, targets

LIST = "Australia, Canada, Britain, and Canada are not sending representatives to the Olympics."


def test_measure_counts_flags_per_thousand_and_documents_not_clean(baseline_detector, seeds):
    documents = [("a", "wmt18 human", seeds["003"]), ("b", "wmt18 human", LIST + "\n" + seeds["004"])]
    groups = measure(baseline_detector, documents)
    g = groups["wmt18 human"]
    assert g["documents"] == 2 and g["sentences"] > 20
    assert g["flags_per_1000"]["garbled_list"] == 1000.0 / g["sentences"]  # the one repeated list item
    assert g["learned_share"] == 0.0 and g["ece"]["spun"] == 0.0  # the evidence-only model learns nothing
    seeds_result = seed_flags(baseline_detector)
    checks = targets(groups, seeds_result)
    assert checks["garbled_list: at most 1 flag per 1,000 human sentences, over all of them"] is (
        g["flags_per_1000"]["garbled_list"] <= 1.0
    )
    assert checks["no flag but boilerplate in 001/002/004"]
    lines = render({"command": "c", "date": "d", "model": "m", "blocks": 2, "groups": groups, "seeds": seeds_result, "targets": checks})
    assert any(line.startswith("| garbled_list flags per 1,000 sentences |") for line in lines)
    assert any("not met" in line for line in lines) == (not all(checks.values()))
    assert g["lm_evidence"] == 0 and pooled(groups)["lm_evidence_share"] == 0.0  # no LM, no LM evidence
    lm = {"language_model": "lm", "groups": groups, "seeds": seeds_result, "targets": lm_targets(groups, seeds_result)}
    with_lm = render(
        {"command": "c", "date": "d", "model": "m", "blocks": 2, "groups": groups, "seeds": seeds_result, "targets": checks, "lm": lm}
    )
    assert with_lm[: len(lines)] == lines
    assert any(line.startswith("| sentences with improbable-words evidence |") and "<= 0.01" in line for line in with_lm)
    assert lm["targets"]["the improbable-words finder fires on at most 1% of human sentences, over all of them"]


def test_each_duplicate_flag_records_its_rule_its_pair_and_a_machine_side(baseline_detector):
    from detector.text.words import normalise

    first = "Video footage and pictures show the drills held by the southern military district."
    repeat = "Officials said the exercise ended on Friday.\n" + first
    text = f"{first}\nThe army has moved more troops to the border region this week.\n{repeat}"
    groups = measure(baseline_detector, [("a", "wmt23 human-translation", text)], frozenset({normalise(first)}))
    flags = groups["wmt23 human-translation"]["duplicates"]
    assert len(flags) == groups["wmt23 human-translation"]["flags"]["duplicate"] == 1  # the repeat
    assert flags[0] | {"text": None} == {
        "rule": "exact_repeat",
        "text": None,
        "other": first,
        "lines_apart": 3,
        "a_side_is_machine_translation": True,
    }
    assert not measure(baseline_detector, [("a", "g", text)])["g"]["duplicates"][0]["a_side_is_machine_translation"]
    lines = render({"command": "c", "date": "d", "model": "m", "blocks": 2, "groups": groups, "seeds": {}, "targets": {}})
    summary = next(line for line in lines if line.startswith("The 1 duplicate flag:"))
    assert "1 exact repeat;" in summary and "; 1 with a side that is, word for word," in summary
    assert any(line.startswith("- wmt23 human-translation, exact_repeat, 3 lines apart, a side is") for line in lines)


def test_the_flag_rate_targets_read_all_human_sentences_as_one():
    """A group of 287 sentences with one flag reads 3.5 per 1,000: the rate is taken over all."""

    def group(sentences, duplicates):
        flags = {t: duplicates if t == "duplicate" else 0 for t in ARTIFACT_TYPES}
        return {
            "documents": 1,
            "sentences": sentences,
            "flags": flags,
            "flags_per_1000": {t: 1000.0 * v / sentences for t, v in flags.items()},
        }

    everything = pooled({"a": group(287, 1), "b": group(1713, 0)})
    assert everything["sentences"] == 2000 and everything["flags"]["duplicate"] == 1
    assert everything["flags_per_1000"]["duplicate"] == 0.5


def test_short_texts_are_the_documents_first_lines_counted_by_content_sentences(baseline_detector, seeds):
    def lines(text: str) -> str:  # a line a sentence, as WMT's documents are
        return "\n".join(line for line in text.splitlines() if len(line.split()) > 5)

    documents = [("a", "wmt18 human", lines(seeds["000"])), ("b", "wmt18 human-translation", lines(seeds["004"]))]
    short = measure_short(baseline_detector, documents)
    assert set(short) == {"wmt18 human", "wmt18 human-translation"}
    for row in short.values():
        assert set(row) <= {"1-3", "4-6", "7-9"} and sum(cell["documents"] for cell in row.values()) <= len(SHORT_CUTS)
        assert all(0.0 <= cell["not_clean_share"] <= 1.0 for cell in row.values())
    assert short["wmt18 human"]["1-3"]["documents"] >= 1  # the first two lines
    lines = render_short(short)
    assert lines[0] == "## Short texts" and any(line.startswith("| wmt18 human |") for line in lines)
