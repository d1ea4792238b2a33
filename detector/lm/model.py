"""Per-word surprisal of a sentence under a causal language model (Gemma 3 270M by default).

A word's surprisal is -ln P(word | what precedes it), its tokens summed: the sentence is read after
its left context (the document's preceding text), so "beaten" in "has beaten all sorts of stern
test" is judged where it stands. `read_documents` (the improbable-words finder's pass) reads a
document once, in windows (windows.py); `word_surprisals` reads each sentence after a context
given with it. Only the sentence's own positions go through the output layer (the context needs
only the hidden states), and of its 262k-token vocabulary only the 65,536 tokens of English news
are read in full (`LMConfig.vocabulary`): over all of it that layer cost 40% of the pass.
"""

from __future__ import annotations

import bisect
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

import numpy as np
import torch

from detector.lm import output_layer
from detector.lm.windows import FlatText, Window, plan_windows
from detector.scoring.padding import pad_rows

WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")
CONTEXT_CHARS = 400  # the preceding text a sentence is read after (about 80 tokens)
MAX_TOKENS = 1024  # context + sentence; the words of a longer "sentence" past it are not read
HEAD_CHUNK = 1024  # positions per pass of the output layer: fewer read its 335 MB matrix more often
RUNTIME_CHUNK = 128  # positions of a runtime's whole logit rows (1 MB each) taken at a time


@dataclass(frozen=True)
class WordSurprisal:
    """One word of a sentence: offsets in the sentence, surprisal in nats, and the model's likeliest
    word at its place (from its first token; None where that is not another word)."""

    start: int
    end: int
    text: str
    surprisal: float
    alternative: str | None


@dataclass
class LMConfig:
    batch_size: int = 8
    context_chars: int = CONTEXT_CHARS
    # "float32", "bfloat16", or "auto": bfloat16 where the CPU has AVX-512 BF16 (2x fp32's speed,
    # word improbabilities within 0.5 nats; benchmarks/lm_runtimes.md), else float32
    dtype: str = "auto"
    # "transformers"; "onnxruntime": the body exported to ONNX Runtime fp32 (onnx_body.py: faster
    # than transformers fp32, slower than bfloat16); "llama-cpp": the GGUF's quantised kernels
    # (pip install llama-cpp-python). benchmarks/lm_runtimes.md compares them.
    runtime: str = "transformers"
    # `read_documents`: tokens scored per window, and the tokens read before each (about 600 characters)
    window_tokens: int = 256
    context_tokens: int = 128
    # the output layer's vocabulary: the likeliest `vocabulary` tokens of English news
    # (detector/lm/vocabulary.py; the [lm] extra's Gemma only), or None: all 262,144
    vocabulary: int | None = 65_536


def _has_bf16() -> bool:
    """Whether this CPU multiplies bfloat16 natively (torch's own check; False where it has none)."""
    check = getattr(torch.cpu, "_is_avx512_bf16_supported", None)
    return bool(check and check())


class LanguageModel:
    """A causal LM read for surprisal: `word_surprisals(sentences, contexts)`."""

    def __init__(self, tokenizer, model, config: LMConfig | None = None, name: str = "", runtime=None, shortlist_ids=None, body=None):
        """`model`: a transformers causal LM, or None with a `runtime` that gives logits (llama.cpp);
        `shortlist_ids`: the tokens the output layer reads in full (None: all); `body`: what runs
        the model's body from token embeddings in its place (onnx_body.OnnxBody), or None."""
        self.tokenizer = tokenizer
        self.tokenizer.padding_side = "right"  # Gemma's pads on the left; the batch code reads rows from position 0
        self.model = model.eval() if model is not None else None
        self.config = config or LMConfig()
        self.name = name
        self.runtime = runtime
        self.body = body
        self._softcap = getattr(model.config, "final_logit_softcapping", None) if model is not None else None
        self.shortlist = (
            None
            if shortlist_ids is None or model is None
            else output_layer.Shortlist.of(model.get_output_embeddings().weight, shortlist_ids)
        )

    @classmethod
    def from_pretrained(
        cls, path: str | os.PathLike | None = None, cache_dir: str | os.PathLike | None = None, progress: bool = True, **overrides
    ) -> LanguageModel:
        """The model at `path` (a transformers folder or a hub name a user has), else the `[lm]`
        extra's Gemma, converted into the cache on first use."""
        from transformers import AutoModelForCausalLM, AutoTokenizer

        from detector.lm.files import LM_NAME, converted_model_dir

        config = LMConfig(**overrides)
        if config.runtime not in ("transformers", "onnxruntime", "llama-cpp"):
            raise ValueError(f"unknown runtime {config.runtime!r}; choose transformers, onnxruntime or llama-cpp")
        if config.dtype == "auto":
            config.dtype = "bfloat16" if _has_bf16() and config.runtime == "transformers" else "float32"
        if config.dtype not in ("float32", "bfloat16"):
            raise ValueError(f"unknown dtype {config.dtype!r}; choose float32, bfloat16 or auto")
        if config.runtime == "onnxruntime" and (config.dtype != "float32" or (path is not None and not Path(path).is_dir())):
            raise ValueError("the onnxruntime runtime reads a local model folder in float32")
        folder = str(path) if path is not None else str(converted_model_dir(cache_dir, progress=progress))
        tokenizer = AutoTokenizer.from_pretrained(folder, local_files_only=path is None)
        name = LM_NAME if path is None else str(path)
        if config.runtime == "llama-cpp":
            if path is not None:
                raise ValueError("the llama.cpp runtime runs the [lm] extra's GGUF only")
            from detector.lm.files import gguf_file
            from detector.lm.llama_runtime import LlamaCppLogits

            return cls(tokenizer, None, config, name, runtime=LlamaCppLogits(gguf_file(cache_dir), torch.get_num_threads()))
        model = AutoModelForCausalLM.from_pretrained(folder, local_files_only=path is None, dtype=getattr(torch, config.dtype))
        if config.vocabulary is not None and path is not None:
            config.vocabulary = None  # the shipped ranking is of the extra's Gemma's tokens
        shortlist = None
        if config.vocabulary is not None:
            from detector.lm.vocabulary import news_vocabulary

            shortlist = news_vocabulary(config.vocabulary)
        body = None
        if config.runtime == "onnxruntime":
            from detector.lm.onnx_body import cached_onnx_body

            body = cached_onnx_body(model.eval(), folder, cache_dir)
        return cls(tokenizer, model, config, name, shortlist_ids=shortlist, body=body)

    def _inputs(self, sentence: str, context: str) -> tuple[str, int]:
        context = " ".join(context.split())[-self.config.context_chars :]
        if context and len(context) == self.config.context_chars and " " in context:
            context = context[context.index(" ") + 1 :]  # start at a word
        return (f"{context} {sentence}", len(context) + 1) if context else (sentence, 0)

    @torch.inference_mode()
    def word_surprisals(self, sentences: Sequence[str], contexts: Sequence[str] | None = None) -> list[list[WordSurprisal]]:
        """Per sentence, its words' surprisals, each read after its context (one per sentence, or none)."""
        contexts = contexts if contexts is not None else [""] * len(sentences)
        if len(contexts) != len(sentences):
            raise ValueError("pass one context per sentence")
        out: list[list[WordSurprisal]] = [[] for _ in sentences]
        if not sentences:
            return out
        inputs = [self._inputs(s, c) for s, c in zip(sentences, contexts)]
        encoded = self.tokenizer([text for text, _ in inputs], return_offsets_mapping=True, truncation=True, max_length=MAX_TOKENS)
        # batches of texts of one token count pad nothing (sorted by characters, 14% of what the
        # transformer read was padding); causal and padded on the right, a row reads the same either way
        order = sorted(range(len(sentences)), key=lambda i: len(encoded["input_ids"][i]))
        for lo in range(0, len(order), self.config.batch_size):
            idx = order[lo : lo + self.config.batch_size]
            for i, words in zip(
                idx,
                self._batch([sentences[i] for i in idx], [inputs[i][1] for i in idx], pad_rows(encoded, idx, self.tokenizer.pad_token_id)),
            ):
                out[i] = words
        return out

    @torch.inference_mode()
    def read_documents(
        self, texts: Sequence[str], spans: Sequence[Sequence[tuple[int, int]]], judged: Callable[[str], bool] | None = None
    ) -> list[list[list[WordSurprisal]]]:
        """Per document, per (start, end) span of it (its sentences), its words' surprisals: each
        document tokenised once and read in windows (windows.py), so a sentence's context is the
        document before it (at least `context_tokens` tokens, whitespace read as one space). Only
        the tokens of the spans' words go through the output layer (a word's surprisal is its
        tokens'; punctuation alone is never read out), and of those only the words `judged`
        accepts (None: every word): a word nobody judges costs no output layer. The windows are
        planned on every word either way, so a word reads the same context whatever is judged."""
        if len(spans) != len(texts):
            raise ValueError("pass one list of spans per text")
        flats = [FlatText.of(t) for t in texts]
        encoded = self.tokenizer([f.text for f in flats], return_offsets_mapping=True, add_special_tokens=False)
        rows = []  # (document, window)
        for d, flat in enumerate(flats):
            # the characters of the spans' words: a token of punctuation or space alone is not scored
            covered = np.zeros(len(flat.text) + 1, dtype=np.int64)  # 1: a word's, 2: a judged word's
            for a, b in spans[d]:
                lo, hi = flat.span(a, b)
                for m in WORD.finditer(flat.text, lo, hi):
                    covered[m.start() : m.end()] = 2 if judged is None or judged(m.group()) else 1
            seen = np.concatenate([[0], np.cumsum(covered > 0)])
            scored = np.concatenate([[0], np.cumsum(covered == 2)])
            offsets = encoded["offset_mapping"][d]
            wanted = [t for t, (x, y) in enumerate(offsets) if seen[y] > seen[x]]
            for w in plan_windows(wanted, self.config.window_tokens, self.config.context_tokens):
                targets = tuple(t for t in w.targets if scored[offsets[t][1]] > scored[offsets[t][0]])
                if targets:
                    rows.append((d, Window(w.start, w.end, targets)))
        scores: dict[tuple[int, int], tuple[float, int]] = {}
        rows.sort(key=lambda r: r[1].end - r[1].start)
        bos = self.tokenizer.bos_token_id
        for lo in range(0, len(rows), self.config.batch_size):
            batch = rows[lo : lo + self.config.batch_size]
            width = 1 + max(w.end - w.start for _, w in batch)
            ids = torch.full((len(batch), width), self.tokenizer.pad_token_id, dtype=torch.long)
            mask = torch.zeros((len(batch), width), dtype=torch.long)
            keys, row_at, position, target = [], [], [], []
            for r, (d, w) in enumerate(batch):
                tokens = encoded["input_ids"][d][w.start : w.end]
                ids[r, 0] = bos
                ids[r, 1 : 1 + len(tokens)] = torch.tensor(tokens)
                mask[r, : 1 + len(tokens)] = 1
                for t in w.targets:  # document token t sits at 1 + t - w.start, predicted one before
                    keys.append((d, t))
                    row_at.append(r)
                    position.append(t - w.start)
                    target.append(encoded["input_ids"][d][t])
            surprisal, best = self._token_scores(
                {"input_ids": ids, "attention_mask": mask}, torch.tensor(row_at), torch.tensor(position), torch.tensor(target)
            )
            scores.update({key: (float(surprisal[k]), int(best[k])) for k, key in enumerate(keys)})
        out = []
        for d, (text, flat) in enumerate(zip(texts, flats)):
            # the scored tokens in the original's characters, numbered as _words reads them (t + 1:
            # 0 would be the beginning-of-text token, so 1 is a token with nothing before it)
            read = [(t + 1, *flat.original(*xy)) for t, xy in enumerate(encoded["offset_mapping"][d]) if (d, t) in scores]
            found = {t: scores[(d, t - 1)] for t, _, _ in read}
            ends = [y for _, _, y in read]  # increasing, as the tokens run through the text
            per_span = []
            for a, b in spans[d]:
                tokens = []
                for k in range(bisect.bisect_right(ends, a), len(read)):  # from the first token ending past a
                    t, x, y = read[k]
                    if x >= b:
                        break
                    tokens.append((t, x - a, y - a))
                per_span.append(self._words(text[a:b], tokens, found))
            out.append(per_span)
        return out

    def _batch(self, sentences: list[str], starts: list[int], enc: dict[str, torch.Tensor]) -> list[list[WordSurprisal]]:
        """The words of a batch of sentences, each at `starts[b]` of its padded row of `enc`."""
        offsets = enc.pop("offset_mapping").numpy()
        ids = enc["input_ids"]
        # the positions that predict a token of the sentence (the token after each position)
        rows, cols = [], []
        for b, start in enumerate(starts):
            valid = int(enc["attention_mask"][b].sum())
            for t in range(1, valid):
                if offsets[b, t, 1] > start:
                    rows.append(b)
                    cols.append(t)
        if not rows:
            return [[] for _ in sentences]
        rows_t, cols_t = torch.tensor(rows), torch.tensor(cols)
        target, best = self._token_scores(enc, rows_t, cols_t - 1, ids[rows_t, cols_t])
        per_token: dict[tuple[int, int], tuple[float, int]] = {
            (b, t): (float(target[k]), int(best[k])) for k, (b, t) in enumerate(zip(rows, cols))
        }
        result = []
        for b, (sentence, start) in enumerate(zip(sentences, starts)):
            valid = int(enc["attention_mask"][b].sum())
            tokens = [(t, int(offsets[b, t, 0]) - start, int(offsets[b, t, 1]) - start) for t in range(1, valid) if (b, t) in per_token]
            result.append(self._words(sentence, tokens, {t: per_token[(b, t)] for t, _, _ in tokens}))
        return result

    def _token_scores(self, enc, rows: torch.Tensor, positions: torch.Tensor, targets: torch.Tensor):
        """For each (row, position) of the right-padded batch: -ln P(its target token) and the likeliest
        token; HEAD_CHUNK positions at a time (output_layer.py reads the vocabulary in blocks)."""
        if self.runtime is not None:
            return self._runtime_token_scores(enc, rows, positions, targets)
        hidden = self._hidden(enc)  # (batch, tokens, hidden): causal, so padding after is harmless
        weight = self.model.get_output_embeddings().weight
        surprisal, best = [], []
        for lo in range(0, len(rows), HEAD_CHUNK):
            at = slice(lo, lo + HEAD_CHUNK)
            s, b = output_layer.target_surprisal_and_best(
                hidden[rows[at], positions[at]], weight, targets[at], self._softcap, shortlist=self.shortlist
            )
            surprisal.append(s)
            best.append(b)
        return torch.cat(surprisal).numpy(), torch.cat(best)

    def _hidden(self, enc) -> torch.Tensor:
        """The body's last hidden states for a batch, from torch or from the exported body."""
        if self.body is None:
            return self.model.base_model(**enc).last_hidden_state
        return self.body(self.model.get_input_embeddings()(enc["input_ids"]), enc["attention_mask"])

    def _runtime_token_scores(self, enc, rows: torch.Tensor, positions: torch.Tensor, targets: torch.Tensor):
        """As `_token_scores`, from a runtime that returns each row's logits (llama.cpp); RUNTIME_CHUNK
        positions at a time, as a 262k-token row is 1 MB."""
        valid = enc["attention_mask"].sum(1).tolist()
        per_row = {b: self.runtime.logits(enc["input_ids"][b, : valid[b]].tolist()) for b in set(rows.tolist())}
        surprisal, best = [], []
        for lo in range(0, len(rows), RUNTIME_CHUNK):
            at = list(zip(rows[lo : lo + RUNTIME_CHUNK].tolist(), positions[lo : lo + RUNTIME_CHUNK].tolist()))
            logits = torch.from_numpy(np.stack([per_row[b][t] for b, t in at])).float()
            if self._softcap:
                logits = torch.tanh(logits / self._softcap) * self._softcap
            logp = torch.log_softmax(logits, dim=-1)
            surprisal.append(-logp.gather(1, targets[lo : lo + RUNTIME_CHUNK, None])[:, 0])
            best.append(logp.argmax(dim=-1))
        return torch.cat(surprisal).numpy(), torch.cat(best)

    def _words(self, sentence: str, tokens: list[tuple[int, int, int]], scores: dict[int, tuple[float, int]]) -> list[WordSurprisal]:
        words = []
        for m in WORD.finditer(sentence):
            mine = [t for t, a, z in tokens if a < m.end() and z > m.start()]
            if not mine or mine[0] == 1:  # no word before it: its surprisal says nothing of "here"
                continue
            surprisal = sum(scores[t][0] for t in mine)
            best = scores[mine[0]][1]
            alternative = self.tokenizer.decode([best]).strip()
            if not WORD.fullmatch(alternative) or alternative.lower() == m.group(0).lower():
                alternative = None
            words.append(WordSurprisal(m.start(), m.end(), m.group(0), surprisal, alternative))
        return words
