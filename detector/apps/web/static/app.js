// millcheck editor page. User text is only ever placed with textContent / text nodes, never as HTML.
"use strict";

const TYPES = ["spun", "machine_translated", "duplicate", "garbled_list", "broken_punctuation", "boilerplate"];
// `lm`: the server reads with a language model (`serve --lm`, from /api/info); `lmRead`: the
// report on screen has its reading; `run`: which Score click the answers on their way belong to.
const state = { report: null, threshold: 0.5, enabled: new Set(TYPES), focusIndex: -1, heat: true, lm: false, lmRead: false, run: 0 };
const $ = (id) => document.getElementById(id);

function el(tag, attrs = {}, text = null) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  if (text !== null) node.textContent = text;
  return node;
}

function setStatus(text) { $("status").textContent = text; }

// How long the page waits for the server before it says so and offers a retry (tests lower it).
const TIMEOUT_MS = () => window.MILLCHECK_TIMEOUT_MS || 120000;

// Nothing of an earlier article may stay on screen: the summary, the highlights, the details.
function clearPanes() {
  state.report = null;
  $("summary").hidden = true;
  $("verdict").textContent = "";
  $("verdict-reason").textContent = "";
  $("language-note").hidden = true;
  $("counts").replaceChildren();
  $("sources").replaceChildren();
  $("sources").hidden = true;
  $("view").replaceChildren();
  $("details").replaceChildren(el("p", { class: "hint" }, "Hover or focus a highlighted sentence to see why."));
}

function showError(message, retry) {
  clearPanes();
  setStatus(message);
  document.body.dataset.state = "error";
  $("retry").hidden = !retry;
}

// POST one article (and the threshold to judge it at; `lm` false: without the language model's
// reading); the parsed report, or an Error whose message is for the user and whose `retry` says
// whether trying again may help.
async function requestReport(text, threshold, lm) {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), TIMEOUT_MS());
  let response;
  try {
    response = await fetch("/api/score", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ text, ...(threshold === undefined ? {} : { threshold }), ...(lm === undefined ? {} : { lm }) }),
      signal: controller.signal,
    });
  } catch (err) {
    const slow = controller.signal.aborted;
    throw Object.assign(new Error(slow
      ? `The server did not answer within ${Math.round(TIMEOUT_MS() / 1000)} s.`
      : "Cannot reach the millcheck server: is `detector serve` running?"), { retry: true });
  } finally {
    clearTimeout(timer);
  }
  let data = null;
  try { data = await response.json(); } catch (err) { data = null; }
  if (!response.ok) {
    const detail = data && data.detail ? (data.detail.message || (typeof data.detail === "string" ? data.detail : JSON.stringify(data.detail))) : response.statusText;
    throw Object.assign(new Error(`Error ${response.status}: ${detail}`), { retry: response.status >= 500 });
  }
  return data;
}

// With a language model on the server the article is asked for twice: first without its reading
// (a quick answer, marked as such), then with it; the second replaces the first if no new Score
// click came in between.
async function score() {
  const text = $("article").value;
  if (!text.trim()) { showError("Nothing to score: paste an article first.", false); return; }
  const run = ++state.run;
  clearPanes();
  $("retry").hidden = true;
  $("score").disabled = true;
  setStatus("Scoring…");
  document.body.dataset.state = "scoring";
  try {
    const data = await requestReport(text, undefined, state.lm ? false : undefined);
    if (run !== state.run) return;
    show(data, text, false);
    if (state.lm) {
      setStatus(`Scored ${data.sentences_total} sentences with ${data.model}; the language model is reading them (its word layer and spun scores follow)…`);
      document.body.dataset.state = "reading";
    } else {
      setStatus(`Scored ${data.sentences_total} sentences with ${data.model}.`);
      document.body.dataset.state = "scored";
    }
  } catch (err) {
    if (run === state.run) showError(err.message, err.retry);
    return;
  } finally {
    if (run === state.run) $("score").disabled = false;
  }
  if (state.lm) await readWithLm(text, run);
}

// The report with the language model's reading, in place of the quick one (the slider kept where
// the user left it, the verdict asked for there).
async function readWithLm(text, run) {
  try {
    const data = await requestReport(text, undefined, true);
    if (run !== state.run) return;
    const at = state.threshold;
    show(data, text, true, at); // drawn once, at the slider's threshold
    setStatus(`Scored ${data.sentences_total} sentences with ${data.model} and the language model.`);
    document.body.dataset.state = "scored";
    if (at !== data.threshold) await rejudge();
  } catch (err) {
    if (run !== state.run) return;
    setStatus(`Scored without the language model: its reading failed (${err.message}).`);
    $("retry").hidden = !err.retry;
    document.body.dataset.state = "scored";
  }
}

// `at`: the threshold to draw at (the report's own unless the user has moved the slider).
function show(data, text, lmRead, at = data.threshold) {
  state.report = data;
  state.text = text;
  state.lmRead = lmRead;
  state.threshold = at;
  $("threshold").value = String(at);
  render();
}

// The slider re-applies the flag rule at once; the verdict, which the document head gives, is the
// server's at the new threshold (asked for when the slider is let go).
async function rejudge() {
  if (!state.report || !state.text) return;
  const at = state.threshold;
  const asked = state.report; // an answer for a report since replaced (a new score, the LM's reading) is dropped
  $("verdict").textContent = "Verdict: updating…";
  $("verdict-reason").textContent = "";
  try {
    const data = await requestReport(state.text, at, state.lm ? state.lmRead : undefined);
    if (state.report === asked && state.threshold === at) {
      state.report = { ...data, threshold: state.report.threshold };
      document.body.dataset.verdictAt = String(at);
      renderSummary();
    }
  } catch (err) {
    $("verdict").textContent = `Verdict: not updated (${err.message})`;
  }
}

// The server's rule (SentenceScore.flagged_types), re-applied at the slider's threshold: a learned
// type flags at or over it where learned scores judge the sentence; an evidence type only with a
// finder's evidence of that type; a sentence with boilerplate evidence gets no learned type.
const LEARNED = new Set(["spun", "machine_translated"]);

function flaggedTypes(sentence, threshold) {
  const evidenced = new Set(sentence.evidence.map((e) => e.type));
  // not judged by learned scores (a document too short for them, a sentence without a word): evidence only
  const learned = sentence.learned !== false && !(state.report && state.report.low_confidence);
  let chosen = TYPES.filter((t) => (sentence.labels[t] || 0) >= threshold && ((LEARNED.has(t) && learned) || evidenced.has(t)));
  if (evidenced.has("boilerplate")) chosen = chosen.filter((t) => !LEARNED.has(t)); // debris is not article prose
  return chosen.sort((a, b) => sentence.labels[b] - sentence.labels[a]);
}

// The sentence's type to colour by: its most probable flagged type among the enabled ones.
function topType(sentence) {
  return flaggedTypes(sentence, state.threshold).find((t) => state.enabled.has(t)) ?? null;
}

function renderSummary() {
  const r = state.report;
  const flagged = r.sentences.filter((s) => topType(s) !== null);
  const verdict = $("verdict");
  verdict.className = `verdict-${r.verdict}`;
  verdict.textContent = r.score === null
    ? `Verdict: ${r.verdict} (${languageName(r)}: not scored)`
    : `Verdict: ${r.verdict} (document score ${r.score.toFixed(2)})`;
  $("verdict-reason").textContent = r.verdict_reason ? `Why: ${r.verdict_reason}` : "";
  // the reason may say it already (labels.TOO_SHORT_REASON, as the text output checks): say it once
  const saysTooShort = (r.verdict_reason || "").startsWith("too short for the learned scores");
  $("low-confidence").hidden = !r.low_confidence || saysTooShort;
  renderLanguageNote(r);
  $("mojibake").hidden = !r.mojibake_mended;  // the article is shown as mended, which the offsets index
  $("mojibake").textContent = r.mojibake_mended
    ? `${r.mojibake_mended} mis-decoded character${r.mojibake_mended === 1 ? "" : "s"} mended (mojibake such as “â€™” for “’”); shown as mended.`
    : "";
  const counts = $("counts");
  counts.replaceChildren();
  counts.append(`${flagged.length} of ${r.sentences_total} sentences flagged at ${state.threshold.toFixed(2)}: `);
  for (const t of TYPES) {
    const n = r.sentences.filter((s) => topType(s) === t).length;
    const item = el("span", { class: "count", "data-type": t });
    item.append(el("span", { class: `swatch t-${t}` }), ` ${t} ${n}  `);
    counts.append(item);
  }
  renderSources(r);
  $("heat-toggle").hidden = !r.sentences.some((s) => s.lm_words);
  $("threshold-value").textContent = state.threshold.toFixed(2);
  $("summary").hidden = false;
}

// Provenance (`serve --reference`): the originals this article shares sentences with.
function renderSources(r) {
  const box = $("sources");
  box.replaceChildren();
  const sources = r.sources || [];
  box.hidden = sources.length === 0;
  for (const m of sources) {
    const item = el("li", { "data-source": m.id },
      `Shares ${m.pairs.length} sentences (${Math.round(m.share * 100)}% of its own) with ${m.id}: ${m.rewrite}, P(this is the copy) ${m.copy_confidence.toFixed(2)}`);
    const why = el("ul", { class: "direction-reasons" });  // why that direction: artifacts, dates, witnesses
    for (const reason of m.direction_reasons || []) why.append(el("li", {}, reason));
    if (why.children.length) item.append(why);
    box.append(item);
  }
}

// A sentence's text with the given [start, end) ranges (offsets from `base`) marked as changed.
function markedText(text, base, ranges, cls) {
  const box = el("blockquote", { class: cls });
  let pos = 0;
  for (const [start, end] of ranges.map(([a, b]) => [a - base, b - base]).sort((x, y) => x[0] - y[0])) {
    if (start < pos || end <= start) continue;
    box.append(document.createTextNode(text.slice(pos, start)), el("mark", { class: "changed" }, text.slice(start, end)));
    pos = end;
  }
  box.append(document.createTextNode(text.slice(pos)));
  return box;
}

// The source sentence beside this one, the changed words marked on both (copied_from, with its edits).
function sourceDetails(sentence) {
  const c = sentence.copied_from;
  const part = el("section", { class: "source" });
  part.append(el("h3", {}, `Source: sentence ${c.source_sentence} of ${c.id} (${c.rewrite}, P(copy) ${c.copy_confidence.toFixed(2)})`));
  const edits = c.edits || [];
  part.append(el("p", { class: "hint" }, "This sentence:"));
  part.append(markedText(sentence.text, sentence.start, edits.map((e) => [e.copy.start, e.copy.end]), "copy-side"));
  part.append(el("p", { class: "hint" }, "The source:"));
  part.append(markedText(c.source.text, c.source.start, edits.map((e) => [e.source.start, e.source.end]), "source-side"));
  return part;
}

function languageName(r) { return (r.language && r.language.language) || "unknown language"; }

// millcheck reads English only: a document that is not English is not scored, and in a mixed one
// the paragraphs in other languages are shown greyed, not scored.
function renderLanguageNote(r) {
  const note = $("language-note");
  const skipped = r.language ? r.language.skipped : [];
  if (r.score === null) {
    note.textContent = `This article is not in English (${languageName(r)}): millcheck's models read English news only, so nothing was scored.`;
  } else if (skipped.length) {
    const languages = [...new Set(skipped.map((span) => span[2]))].join(", ");
    note.textContent = `${r.language.skipped_sentences} sentences in other languages (${languages}) were not scored; they are shown greyed.`;
  }
  note.hidden = !(r.score === null || skipped.length);
}

function skippedParagraph(text, span) {
  return el("p", { class: "skipped", "data-language": span[2], title: `not scored: ${span[2]}` }, text.slice(span[0], span[1]));
}

// Split a sentence's text at its evidence spans (repeated items, glued quotes, improbable words are
// marked) and, with the heat layer on (`serve --lm`), at its words, each tinted by how improbable
// the language model finds it, with the model's own word on hover.
function sentenceNodes(sentence, text) {
  const marks = [];
  for (const ev of sentence.evidence) {
    if (!state.enabled.has(ev.type)) continue;
    for (const span of ev.spans) {
      if (span.start >= sentence.start && span.end <= sentence.end && span.end - span.start < sentence.end - sentence.start) {
        marks.push([span.start, span.end]);
      }
    }
  }
  marks.sort((a, b) => a[0] - b[0]);
  const kept = [];
  for (const m of marks) if (!kept.length || m[0] >= kept[kept.length - 1][1]) kept.push(m);
  const words = state.heat && sentence.lm_words ? sentence.lm_words.map((w) => [sentence.start + w.start, sentence.start + w.end, w]) : [];
  const cuts = new Set([sentence.start, sentence.end]);
  for (const [s, e] of [...kept, ...words]) { cuts.add(s); cuts.add(e); }
  const points = [...cuts].filter((c) => c >= sentence.start && c <= sentence.end).sort((a, b) => a - b);
  const nodes = [];
  for (let i = 0; i + 1 < points.length; i++) {
    const [a, b] = [points[i], points[i + 1]];
    let node = document.createTextNode(text.slice(a, b));
    const word = words.find((w) => w[0] <= a && b <= w[1]);
    if (word) node = heatWord(word[2], word[0], node);
    if (kept.some((m) => m[0] <= a && b <= m[1])) {
      const mark = el("mark", { class: "evidence" });
      mark.append(node);
      node = mark;
    }
    nodes.push(node);
  }
  return nodes;
}

// A GLTR-style tint: none where the context makes the word likelier than it is in general English,
// up to full at 8 nats of improbability.
function heatWord(w, start, child) {
  const span = el("span", { class: "lm-word", "data-start": String(start), "data-improbability": w.improbability.toFixed(2) });
  span.style.setProperty("--h", String(Math.max(0, Math.min(1, w.improbability / 8))));
  const expected = w.alternative ? `; the model expected “${w.alternative}”` : "";
  span.title = `“${w.text}”: ${w.surprisal.toFixed(1)} nats here, improbability ${w.improbability.toFixed(1)}${expected}`;
  if (w.alternative) span.dataset.alternative = w.alternative;
  span.append(child);
  return span;
}

function renderArticle() {
  const r = state.report;
  const text = r.text;
  const view = $("view");
  view.replaceChildren();
  let paragraph = null;
  let current = -1;
  let pos = 0;
  const skipped = [...(r.language ? r.language.skipped : [])];
  for (const s of r.sentences) {
    if (s.paragraph !== current) {
      while (skipped.length && skipped[0][0] < s.start) view.append(skippedParagraph(text, skipped.shift()));
      paragraph = el("p");
      view.append(paragraph);
      current = s.paragraph;
      pos = s.start;
    }
    if (s.start > pos) paragraph.append(document.createTextNode(text.slice(pos, s.start)));
    const type = topType(s);
    const span = el("span", { class: "sentence", "data-index": String(s.index), "data-start": String(s.start), "data-end": String(s.end) });
    if (type !== null) {
      span.classList.add("flagged", `t-${type}`);
      span.dataset.type = type;
      const p = s.labels[type] || 0;
      span.style.setProperty("--a", String(0.15 + 0.55 * Math.min(1, p)));
      span.dataset.strength = p.toFixed(2);
      span.title = `${type} ${p.toFixed(2)}`;
      span.tabIndex = 0;
      span.addEventListener("mouseenter", () => showDetails(s));
      span.addEventListener("focus", () => showDetails(s));
    }
    span.append(...sentenceNodes(s, text));
    paragraph.append(span);
    pos = s.end;
  }
  for (const span of skipped) view.append(skippedParagraph(text, span));
}

function showDetails(sentence) {
  const box = $("details");
  box.replaceChildren();
  document.querySelectorAll(".sentence.related").forEach((n) => n.classList.remove("related"));
  box.append(el("h2", {}, `Score ${sentence.score.toFixed(2)}`));
  const types = el("ul", { class: "types" });
  for (const t of TYPES) {
    const p = sentence.labels[t] || 0;
    if (p >= 0.05) types.append(el("li", { "data-type": t }, `${t}: ${p.toFixed(2)}`));
  }
  box.append(types);
  const flagged = flaggedTypes(sentence, state.threshold);
  const reasons = sentence.evidence.filter((ev) => flagged.includes(ev.type));
  if (reasons.length) {
    box.append(el("h3", {}, "Why"));
    const list = el("ul", { class: "evidence" });
    for (const ev of reasons) {
      list.append(el("li", { "data-rule": ev.rule }, `${ev.type} (${ev.rule}, ${ev.confidence.toFixed(2)}): ${ev.message}`));
      for (const rel of ev.related) {
        document.querySelectorAll(".sentence").forEach((n) => {
          const start = Number(n.dataset.start), end = Number(n.dataset.end);
          if (start >= rel.start && end <= rel.end && Number(n.dataset.index) !== sentence.index) n.classList.add("related");
        });
      }
    }
    box.append(list);
  }
  if (sentence.copied_from) box.append(sourceDetails(sentence));
}

function render() {
  if (!state.report) return;
  renderSummary();
  renderArticle();
}

function buildFilters() {
  const box = $("filters");
  for (const t of TYPES) {
    const label = el("label");
    const box_ = el("input", { type: "checkbox", value: t, checked: "" });
    box_.addEventListener("change", () => {
      if (box_.checked) state.enabled.add(t); else state.enabled.delete(t);
      render();
    });
    label.append(box_, el("span", { class: `swatch t-${t}` }), ` ${t}`);
    box.append(label);
  }
}

function moveFocus(step) {
  const flagged = Array.from(document.querySelectorAll(".sentence.flagged"));
  if (!flagged.length) return;
  const at = flagged.indexOf(document.activeElement);
  const next = at === -1 ? (step > 0 ? 0 : flagged.length - 1) : (at + step + flagged.length) % flagged.length;
  flagged[next].focus();
  flagged[next].scrollIntoView({ block: "nearest" });
}

async function loadInfo() {
  try {
    const response = await fetch("/api/info");
    if (response.ok) state.lm = Boolean((await response.json()).lm);
  } catch (err) {
    state.lm = false; // the first Score says what is wrong with the server
  }
}

async function loadExamples() {
  const response = await fetch("/api/examples");
  const names = await response.json();
  for (const name of names) $("examples").append(el("option", { value: name }, name));
}

async function loadExample(name) {
  if (!name) return;
  const response = await fetch(`/api/examples/${encodeURIComponent(name)}`);
  const data = await response.json();
  $("article").value = data.text;
  await score();
}

function readFile(file) {
  const reader = new FileReader();
  reader.onload = () => { $("article").value = String(reader.result); score(); };
  reader.readAsText(file);
}

// The report as it stands on screen: the slider's threshold and the type filters recorded, each
// sentence's flags (and the counts) at that threshold, the verdict the server gave for it.
function shownReport() {
  const r = state.report;
  const sentences = r.sentences.map((s) => ({ ...s, flags: flaggedTypes(s, state.threshold).filter((t) => state.enabled.has(t)) }));
  const counts = Object.fromEntries(TYPES.map((t) => [t, sentences.filter((s) => s.flags.includes(t)).length]));
  return {
    ...r,
    threshold: state.threshold,
    model_threshold: r.threshold,
    shown_types: TYPES.filter((t) => state.enabled.has(t)),
    counts,
    sentences_flagged: sentences.filter((s) => s.flags.length).length,
    sentences,
  };
}

function reportJson() { return JSON.stringify(shownReport(), null, 2); }

document.addEventListener("DOMContentLoaded", () => {
  buildFilters();
  loadInfo();
  loadExamples();
  $("score").addEventListener("click", score);
  $("examples").addEventListener("change", (e) => loadExample(e.target.value));
  $("file").addEventListener("change", (e) => { if (e.target.files[0]) readFile(e.target.files[0]); });
  const drop = $("drop");
  drop.addEventListener("dragover", (e) => { e.preventDefault(); drop.classList.add("dragging"); });
  drop.addEventListener("dragleave", () => drop.classList.remove("dragging"));
  drop.addEventListener("drop", (e) => {
    e.preventDefault();
    drop.classList.remove("dragging");
    if (e.dataTransfer.files[0]) readFile(e.dataTransfer.files[0]);
  });
  $("threshold").addEventListener("input", (e) => { state.threshold = Number(e.target.value); render(); });
  $("threshold").addEventListener("change", rejudge);
  $("heat").addEventListener("change", (e) => { state.heat = e.target.checked; render(); });
  $("retry").addEventListener("click", score);
  $("copy").addEventListener("click", async () => {
    try { await navigator.clipboard.writeText(reportJson()); setStatus("Report copied."); }
    catch (err) { setStatus("Copy failed: use Download instead."); }
  });
  $("download").addEventListener("click", () => {
    const url = URL.createObjectURL(new Blob([reportJson()], { type: "application/json" }));
    const a = el("a", { href: url, download: "millcheck-report.json" });
    document.body.append(a);
    a.click();
    a.remove();
    URL.revokeObjectURL(url);
  });
  document.addEventListener("keydown", (e) => {
    if (e.target.tagName === "TEXTAREA" || e.target.tagName === "INPUT" || e.target.tagName === "SELECT") return;
    if (e.key === "n" || e.key === "j") moveFocus(1);
    if (e.key === "p" || e.key === "k") moveFocus(-1);
  });
});
