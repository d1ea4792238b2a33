import csv
import io
import json
import subprocess

import pytest
from typer.testing import CliRunner

from detector.apps.cli import app

runner = CliRunner()


def run(args, input=None):
    result = runner.invoke(app, ["score", "-q", *args], input=input)
    return result


def records(output: str) -> list[dict]:
    return [json.loads(line) for line in output.splitlines() if line.strip()]


def test_scores_the_seed_folder_as_jsonl():
    result = run(["seeds"])
    assert result.exit_code == 0, result.output
    recs = records(result.stdout)
    assert [r["id"][:3] for r in recs] == ["000", "001", "002", "003", "004"]
    verdicts = {r["id"][:3]: r["verdict"] for r in recs}
    assert verdicts["000"] == "spun"
    assert verdicts["001"] == verdicts["002"] == verdicts["004"] == "clean"
    sentence = recs[0]["sentences"][0]
    assert set(sentence) >= {"start", "end", "text", "score", "labels", "evidence"}


def test_jsonl_input_with_bad_lines_keeps_every_record(tmp_path):
    src = tmp_path / "in.jsonl"
    src.write_text(
        "\n".join(
            [
                json.dumps({"id": "a", "text": "Britain, France and Britain signed the treaty."}),
                "{this is not json",
                json.dumps({"id": "c"}),
                json.dumps({"id": "d", "html": "<p>Putin spoke with Xi on Wednesday.</p>"}),
                json.dumps(["not", "an", "object"]),
                json.dumps({"id": "f", "text": 42}),
            ]
        )
        + "\n"
    )
    result = run([str(src)])
    assert result.exit_code == 0, result.output
    recs = records(result.stdout)
    assert [r["id"] for r in recs] == ["a", f"{src}:2", "c", "d", f"{src}:5", "f"]
    errors = {r["id"]: r.get("error", {}).get("code") for r in recs}
    assert errors == {"a": None, f"{src}:2": "bad_json", "c": "missing_text", "d": None, f"{src}:5": "bad_json", "f": "bad_field"}
    assert recs[0]["sentences"][0]["labels"]["garbled_list"] >= 0.5


def test_bad_files_are_reported_not_dropped(tmp_path):
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "binary.bin").write_bytes(bytes(range(256)) * 10)
    (tmp_path / "latin.txt").write_bytes("Café society met on Monday. The mayor spoke.".encode("cp1252"))
    big = tmp_path / "huge.txt"
    with big.open("wb") as f:
        f.write(b"All work and no play makes a dull news article. " * (50 * 1024 * 1024 // 48 + 1))
    result = run([str(tmp_path)])
    assert result.exit_code == 0, result.output
    recs = {r["id"]: r for r in records(result.stdout)}
    assert set(recs) == {"empty.txt", "binary.bin", "latin.txt", "huge.txt"}
    assert recs["empty.txt"]["error"]["code"] == "empty"
    assert recs["binary.bin"]["error"]["code"] == "binary"
    assert recs["huge.txt"]["error"]["code"] == "too_large"
    assert "error" not in recs["latin.txt"] and recs["latin.txt"]["sentences"][0]["text"].startswith("Café")


def test_a_dataset_whose_text_field_has_another_name(tmp_path):
    """XSum's JSONL holds each article in "document": without --text-field every record says which
    fields it has and how to name the text one; with it, each is scored, from a file or stdin."""
    line = json.dumps(
        {"id": "bbc-1", "document": "Australia, Canada, Britain, and Canada are not sending representatives.", "summary": "x"}
    )
    (tmp_path / "xsum.jsonl").write_text(line + "\n", encoding="utf-8")
    (rec,) = records(run([str(tmp_path / "xsum.jsonl"), "--model", "evidence-baseline"]).stdout)
    assert rec["error"]["code"] == "missing_text"
    assert "its fields: 'id', 'document', 'summary'" in rec["error"]["message"] and "--text-field" in rec["error"]["message"]
    for args, stdin in (([str(tmp_path / "xsum.jsonl")], None), (["-"], line + "\n")):
        (rec,) = records(run([*args, "--text-field", "document", "--model", "evidence-baseline"], input=stdin).stdout)
        assert rec["id"] == "bbc-1" and rec["sentences"][0]["labels"]["garbled_list"] >= 0.5
    kept, dropped = tmp_path / "kept.jsonl", tmp_path / "dropped.jsonl"
    args = ["filter", "-q", str(tmp_path / "xsum.jsonl"), "--text-field", "document", "-o", str(kept), "--rejected", str(dropped)]
    assert runner.invoke(app, [*args, "--model", "evidence-baseline"]).exit_code == 0
    (passed,) = records(kept.read_text() + dropped.read_text())
    assert passed["document"].startswith("Australia") and "error" not in passed.get("millcheck", {})


def test_stdin_plain_text_and_jsonl():
    result = run(["-"], input="Australia, Canada, Britain, and Canada are not sending representatives.")
    assert result.exit_code == 0
    (rec,) = records(result.stdout)
    assert rec["id"] == "-" and rec["sentences"][0]["labels"]["garbled_list"] >= 0.5
    lines = "\n".join(json.dumps({"id": str(i), "text": f"Sentence number {i} is here."}) for i in range(3))
    result = run(["-"], input=lines)
    assert [r["id"] for r in records(result.stdout)] == ["0", "1", "2"]


def test_csv_and_output_file(tmp_path):
    out = tmp_path / "scores.csv"
    result = run(["seeds", "--format", "csv", "--output", str(out)])
    assert result.exit_code == 0
    rows = list(csv.DictReader(io.StringIO(out.read_text())))
    assert len(rows) == 5
    assert rows[0]["verdict"] == "spun" and int(rows[0]["n_duplicate"]) > 0
    assert rows[0]["low_confidence"] == "0" and rows[0]["format_version"] == "2"


def test_text_format_marks_suspect_sentences_with_reasons():
    result = run(["seeds/000_8edbac6afa4f7a46.txt", "--format", "text"])
    assert result.exit_code == 0
    assert "spun (score" in result.stdout
    assert "[1]" in result.stdout and "[/1]" in result.stdout
    assert "appears 2 times in one list" in result.stdout


def test_threshold_option_changes_flags():
    low = records(run(["seeds/000_8edbac6afa4f7a46.txt", "--threshold", "0.5"]).stdout)[0]
    high = records(run(["seeds/000_8edbac6afa4f7a46.txt", "--threshold", "0.95"]).stdout)[0]
    assert low["threshold"] == 0.5 and high["threshold"] == 0.95
    assert high["sentences_flagged"] < low["sentences_flagged"]


def test_model_option_takes_a_shipped_name():
    rec = records(run(["seeds/000_8edbac6afa4f7a46.txt", "--model", "evidence-baseline"]).stdout)[0]
    assert rec["model"] == "evidence-baseline-v0"


def test_missing_path_is_an_error_record_and_nothing_found_exits_nonzero(tmp_path):
    result = run([str(tmp_path / "missing.txt")])
    assert records(result.stdout)[0]["error"]["code"] == "not_found"
    empty_dir = tmp_path / "empty"
    empty_dir.mkdir()
    assert run([str(empty_dir)]).exit_code == 2


def test_corrupted_model_exits_with_a_message(tmp_path):
    (tmp_path / "config.json").write_text('{"model_type": "millcheck-artifact-classifier"}')
    result = run(["seeds", "--model", str(tmp_path)])
    assert result.exit_code == 3
    assert "retrain" in result.output or "reinstall" in result.output


def test_filter_keeps_records_unchanged_and_says_why_others_were_dropped(tmp_path, seeds):
    src = tmp_path / "crawl.jsonl"
    lines = [{"id": k, "text": v, "url": f"https://example.com/{k}"} for k, v in sorted(seeds.items())]
    src.write_text("\n".join(json.dumps(r) for r in lines) + '\n{"id": "broken"}\n', encoding="utf-8")
    kept, dropped = tmp_path / "kept.jsonl", tmp_path / "dropped.jsonl"
    result = runner.invoke(
        app,
        [
            "filter",
            "-q",
            str(src),
            "-o",
            str(kept),
            "--rejected",
            str(dropped),
            "--max-share",
            "boilerplate=0.3",
            "--model",
            "evidence-baseline",
        ],
    )
    assert result.exit_code == 0, result.output
    kept_recs, dropped_recs = records(kept.read_text()), records(dropped.read_text())
    assert len(kept_recs) + len(dropped_recs) == 6  # nothing lost
    by_id = {r["id"]: r for r in kept_recs + dropped_recs}
    assert by_id["000"]["millcheck"]["reason"] == "verdict spun"
    assert by_id["broken"]["millcheck"]["reason"] == "error: missing_text"
    for r in kept_recs:
        assert r["millcheck"]["kept"] and r["millcheck"]["shares"]["boilerplate"] <= 0.3
        original = next(x for x in lines if x["id"] == r["id"])
        assert {k: r[k] for k in original} == original  # passed through unchanged
    assert any("boilerplate share" in r["millcheck"]["reason"] for r in dropped_recs)


def test_filter_rejects_an_unknown_type_with_a_message(tmp_path):
    result = runner.invoke(app, ["filter", "-q", "seeds", "-o", str(tmp_path / "k.jsonl"), "--max-share", "spam=0.1"])
    assert result.exit_code == 2 and "unknown artifact type" in result.output


def test_an_output_that_cannot_be_written_is_one_line_and_exit_2(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    for command in ("score", "filter"):
        target = blocker / "out.jsonl"
        result = runner.invoke(app, [command, "-q", "seeds", "-o", str(target), "--model", "evidence-baseline"])
        assert result.exit_code == 2, result.output
        (line,) = result.stderr.strip().splitlines()
        assert line.startswith(f"error: cannot write {target}: ")


def test_a_full_disk_is_one_line_and_exit_2():
    result = runner.invoke(app, ["score", "-q", "seeds", "-o", "/dev/full", "--model", "evidence-baseline"])
    assert result.exit_code == 2
    assert result.stderr.strip() == "error: cannot write /dev/full: No space left on device"


def test_stdin_over_the_limit_names_the_limit_not_the_bytes_read():
    rec = records(run(["-", "--max-chars", "100", "--model", "evidence-baseline"], input="word " * 1000).stdout)[0]
    assert rec["error"]["code"] == "too_large" and "more than 404 bytes" in rec["error"]["message"]


@pytest.mark.slow
def test_a_reader_that_stops_early_ends_the_run_quietly():
    """`detector score ... | head`: exit 0 and no traceback when stdout closes."""
    command = "detector score -q seeds --model evidence-baseline | head -c 10 > /dev/null; echo ${PIPESTATUS[0]}"
    done = subprocess.run(["bash", "-c", command], capture_output=True, text=True, timeout=300)
    assert done.stdout.strip() == "0" and "Traceback" not in done.stderr and "Error" not in done.stderr
