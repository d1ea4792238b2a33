"""Teacher marks for distillation: the words the language model finds improbable in the corpus.

    python -m training.lm_marks --corpus artifacts/corpus-v9 [--model detector/models/default] \
        [--split train] [--limit N] [--out artifacts/cache/lm-marks.jsonl]

The token head learns which words a spinner swapped; with `lm_marks` in a training config it also
learns the words the LM finds improbable (issue 22, item 5: a head on the frozen classifier
could not learn them, `research/lm-distillation.md`). For each example of `--split` whose token
labels are known (human lines and spinner output), the LM reads the sentence after the sentences
before it in its block, as the finder reads a document; each word is scored with the model's
`lm_stack.json` weights, and the words at or over its mark bar (what 1 in 100 human words reach)
are the marks. One JSON line per sentence read, keyed by the sentence and what it was read after,
appended as it goes: a killed run goes on where it stopped, and a corpus rebuilt with the same
sentences reuses the readings. The LM reads in bfloat16 where the CPU has it (within 0.5 nats of
fp32: benchmarks/lm_runtimes.md).
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Iterator, Sequence

from detector.lm.stack import LMStack

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUT = ROOT / "artifacts" / "cache" / "lm-marks.jsonl"
CHUNK = 64  # sentences per LM call, each chunk written before the next is read


def preceding(sentences: Sequence[str], doc_ids: Sequence[str], chars: int = 400) -> list[str]:
    """Per example, the text of the examples before it with the same `doc_id` (a corpus keeps a
    block's sentences together and in order), its last `chars` characters."""
    out, text, current = [], "", None
    for sentence, doc in zip(sentences, doc_ids):
        if doc != current:
            text, current = "", doc
        out.append(text[-chars:])
        text = f"{text} {sentence}".strip()
    return out


def key(sentence: str, before: str) -> str:
    return f"{before}\x00{sentence}"


def load_marks(path: str | Path) -> dict[str, list[list[int]]]:
    """(sentence, before) key -> the marked words' [start, end] in the sentence."""
    marks = {}
    path = Path(path)
    if path.exists():
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                marks[key(row["sentence"], row["before"])] = row["marks"]
    return marks


def wanted(dataset) -> Iterator[tuple[str, str]]:
    """(sentence, before) of the examples whose token labels are known."""
    before = preceding(dataset["sentence"], dataset["doc_id"])
    for sentence, prior, known in zip(dataset["sentence"], before, dataset["token_known"]):
        if known:
            yield sentence, prior


def agreement(dataset, marks: dict) -> dict:
    """How the marks sit against the spinners' swaps, over the examples read: the share of swapped
    words the LM marks, the share of its marks that are swaps, and marks per clean sentence."""
    before = preceding(dataset["sentence"], dataset["doc_id"])
    swapped = swapped_marked = marked = marked_swapped = clean_lines = clean_marks = 0
    for sentence, prior, spans in zip(dataset["sentence"], before, dataset["spans"]):
        found = marks.get(key(sentence, prior))
        if found is None:
            continue
        touches = [any(a < e and b > s for s, e in found) for a, b in spans]
        swapped += len(spans)
        swapped_marked += sum(touches)
        marked += len(found)
        marked_swapped += sum(any(a < e and b > s for a, b in spans) for s, e in found)
        if not spans:
            clean_lines += 1
            clean_marks += len(found)
    return {
        "swapped_words_marked": swapped_marked / max(swapped, 1),
        "marks_on_swapped_words": marked_swapped / max(marked, 1),
        "marks_per_unswapped_sentence": clean_marks / max(clean_lines, 1),
    }


def read_marks(lm, stack: LMStack, todo: list[tuple[str, str]], out: Path, progress: bool = True) -> int:
    """Read `todo` with the LM, appending each sentence's marks to `out`; returns how many were read."""
    from tqdm import tqdm

    from detector.evidence.improbable_words import score_words

    out.parent.mkdir(parents=True, exist_ok=True)
    bar = tqdm(total=len(todo), unit="sentence", disable=not progress, desc="LM marks")
    with out.open("a", encoding="utf-8") as f:
        for lo in range(0, len(todo), CHUNK):
            chunk = todo[lo : lo + CHUNK]
            readings = lm.word_surprisals([s for s, _ in chunk], [b for _, b in chunk])
            for (sentence, before), words in zip(chunk, readings):
                scored = score_words(words, *stack.word_scoring)
                marks = [[w.word.start, w.word.end] for w in scored if w.improbability >= stack.mark_bar]
                f.write(json.dumps({"sentence": sentence, "before": before, "marks": marks}, ensure_ascii=False) + "\n")
            f.flush()
            bar.update(len(chunk))
    bar.close()
    return len(todo)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", required=True, help="a corpus saved by training.corpus")
    parser.add_argument("--model", default=str(ROOT / "detector" / "models" / "default"), help="whose lm_stack.json scores the words")
    parser.add_argument("--split", default="train")
    parser.add_argument("--limit", type=int, default=0, help="read at most this many new sentences (0: all)")
    parser.add_argument("--out", default=str(DEFAULT_OUT))
    args = parser.parse_args()
    from datasets import load_from_disk

    from detector.lm.model import LanguageModel

    dataset = load_from_disk(args.corpus)[args.split]
    done = load_marks(args.out)
    todo = list(dict.fromkeys(p for p in wanted(dataset) if key(*p) not in done))
    if args.limit:
        todo = todo[: args.limit]
    print(f"{len(done)} sentences read before; {len(todo)} to read")
    lm = LanguageModel.from_pretrained(dtype="auto")
    started = time.perf_counter()
    read = read_marks(lm, LMStack.load(args.model), todo, Path(args.out))
    seconds = time.perf_counter() - started
    print(f"read {read} sentences in {seconds:.0f} s ({read / max(seconds, 1e-9):.1f}/s) into {args.out}")
    print({k: round(v, 3) for k, v in agreement(dataset, load_marks(args.out)).items()})


if __name__ == "__main__":
    main()
