"""Provenance: the article a copy was made from, aligned sentence by sentence, with the words changed.

`linker.link` finds the sources of each report in a batch; `apply.attach` writes them into the
reports (sources, copied_from, evidence, verdict). Nothing here runs unless asked
(`detector score --provenance`, `Detector.link_sources`).
"""
