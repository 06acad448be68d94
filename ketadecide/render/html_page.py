"""The HTML page every handout is printed on: its CSS, its Content-Security-Policy, escaping
and source marks. Everything from input or data goes through :func:`esc`."""

from __future__ import annotations

from html import escape

from ketadecide.citations import Ref
from ketadecide.lang import current
from ketadecide.render.labels import SourceIndex

CSS = """
:root { --ink:#1a1a1a; --muted:#555; --line:#bcbcbc; --accent:#1f4e79; --danger:#9b1c1c; }
* { box-sizing: border-box; }
html { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
body { font: 11pt/1.45 "DejaVu Sans", "Segoe UI", Roboto, Arial, sans-serif; color: var(--ink);
       max-width: 190mm; margin: 0 auto; padding: 14px; }
h1 { font-size: 17pt; margin: 0 0 2px; }
.lead { color: var(--muted); margin: 0 0 10px; }
h2 { font-size: 13pt; color: var(--accent); border-bottom: 2px solid var(--accent);
     margin: 18px 0 6px; padding-bottom: 2px; break-after: avoid; }
h3 { font-size: 11pt; margin: 8px 0 2px; break-after: avoid; }
p { margin: 3px 0; }
.crisis { border: 3px solid var(--danger); background: #fdecec; border-radius: 6px;
          padding: 8px 12px; margin: 0 0 12px; break-inside: avoid; }
.crisis strong { color: var(--danger); font-size: 13pt; display: block; }
.resources { border: 1px solid var(--danger); border-radius: 6px; padding: 6px 12px; break-inside: avoid; }
table.compare { width: 100%; border-collapse: collapse; table-layout: fixed; font-size: 8.5pt; }
table.compare th, table.compare td { border: 1px solid var(--line); padding: 3px 5px; vertical-align: top;
                                     text-align: left; overflow-wrap: anywhere; }
table.compare thead th { background: #e6edf5; font-size: 10pt; }
table.compare tbody th { background: #f3f3f3; width: 16%; }
/* a fixed layout takes its widths from the first row: the row labels' column, set there */
table.compare thead th:first-child { width: 13%; }
table.summary { width: 100%; border-collapse: collapse; table-layout: fixed; font-size: 9.5pt; margin-top: 4px; }
table.summary th, table.summary td { border: 1px solid var(--line); padding: 3px 5px; vertical-align: top;
                                     text-align: left; }
table.summary thead th { background: #e6edf5; }
table.summary tbody th { background: #f3f3f3; width: 17%; }
.headline { border: 2px solid #8a5a00; background: #fff6e0; border-radius: 6px; padding: 5px 10px; margin: 6px 0;
            break-inside: avoid; }
ul.noticed { margin: 2px 0; padding-left: 18px; }
ul.noticed li { margin: 2px 0; }
.where { color: var(--muted); font-size: 9pt; }
.twocol { columns: 2; column-gap: 16px; }
.twocol li, .twocol h3 { break-inside: avoid; }
/* lists in the decision-support sections: no blank line above and below each */
.twocol, section.clinic ul, section.about ul, section.sure ul { margin: 2px 0; }
section.clinic, section.about, ul.checklist, ol.questions { font-size: 8.5pt; }
.small { font-size: 9pt; }
.st-no_flags { color: #1d6b2f; font-weight: bold; }
.st-incomplete { color: #5b2a86; font-weight: bold; }
p.incomplete { color: #5b2a86; margin: 4px 0; }
.st-caution { color: #8a5a00; font-weight: bold; }
.st-contraindicated { color: var(--danger); font-weight: bold; }
.card { border: 1px solid var(--line); border-radius: 6px; padding: 5px 10px; margin: 6px 0; break-inside: avoid; }
.card ul { margin: 2px 0; padding-left: 18px; }
.sev { font-weight: bold; }
.label { font-weight: bold; }
.refs { font-size: 7.5pt; color: var(--muted); vertical-align: super; }
.rule-id { font-family: monospace; font-size: 8.5pt; color: var(--muted); }
ul.checklist { list-style: none; padding-left: 2px; }
ul.checklist li { margin: 2px 0; }
ul.checklist li::before { content: ""; display: inline-block; width: 10pt; height: 10pt;
                          border: 1.3pt solid #333; margin-right: 7px; vertical-align: -1pt; }
ol.questions li { margin: 1px 0; }
.course { background: #f3f6fa; border-radius: 6px; padding: 6px 10px; break-inside: avoid; }
.notes { color: var(--muted); font-size: 9.5pt; }
svg.trend { max-width: 100%; height: auto; display: block; margin: 4px 0; }
svg.trend text { font: 9px "DejaVu Sans", Arial, sans-serif; fill: #333; }
svg.trend .bar { fill: #1f4e79; }
svg.trend .titration { fill: #a9c1da; }
svg.trend .axis { stroke: #333; stroke-width: 1; }
svg.trend .ref { stroke-dasharray: 4 3; stroke-width: 1.2; }
svg.trend .response { stroke: #1d6b2f; }
svg.trend .remission { stroke: #8a5a00; }
.disclaimer { border-left: 4px solid var(--accent); padding: 3px 10px; margin: 6px 0 4px; break-inside: avoid; }
p.glossary { font-size: 8.5pt; margin: 2px 0 6px; }
section.worksheet p { margin: 3px 0; }
ul.figures { list-style: none; padding: 0; margin: 3px 0; display: grid; grid-template-columns: 1fr 1fr;
              gap: 2px 12px; }
ul.figures li { display: flex; gap: 3px; align-items: flex-start; break-inside: avoid; font-size: 7.8pt;
                line-height: 1.2; }
ul.figures svg.icons { flex: none; width: 28px; height: 28px; }
ul.figures li > span { margin-left: 3px; }
ul.figures li.cohort { font-style: italic; border-left: 2px dashed var(--muted); padding-left: 6px; }
section.evidence h3 { margin-top: 6px; }
/* The getting-started rows (issue 24): under a heading row of their own in the "More about each option"
   table (its column heads serve both), set tight to keep the page budget */
tr.start th { background: none; border-left: none; border-right: none; padding: 6px 0 2px; font-weight: normal; }
tr.start h2 { margin: 0 0 2px; }
tr.start p { font-size: 9pt; }
tr.start ~ tr td, tr.start ~ tr th { font-size: 8pt; line-height: 1.15; padding: 2px 4px; }
/* The choices other than ketamine (issue 24 review): one tight table, within the page budget */
table.compare.alternatives { font-size: 8pt; line-height: 1.15; margin: 2px 0 4px; }
table.compare.alternatives th, table.compare.alternatives td { padding: 1px 4px; }
table.compare.alternatives thead th { font-size: 8pt; }
table.compare.alternatives thead th:first-child { width: 30%; }
ol.sources { font-size: 8pt; color: var(--muted); padding-left: 22px; }
ol.sources.brief { font-size: 5.8pt; columns: 3; column-gap: 10px; line-height: 1.1; padding-left: 16px;
                   margin: 2px 0; }
@media print { section.refs-page { break-before: page; page: refs; } }
/* The sources' page alone: 6 mm margins (the content pages keep 8 mm), room for every source in
   full in three columns on one page (the page budget's fifth page) */
@page refs { margin: 6mm; }
/* The sources' page: the review stamp on the heading's line, right of it (the page budget) */
.refs-head { display: flex; flex-wrap: wrap; align-items: flex-end; gap: 0 12px; border-bottom: 2px solid var(--accent);
             margin: 18px 0 4px; break-after: avoid; }
.refs-head h2 { border: none; margin: 0; padding: 0; flex: none; }
.refs-head footer { flex: 1; text-align: right; border: none; margin: 0; padding: 0 0 2px; }
ol.sources li { overflow-wrap: anywhere; }
footer { font-size: 8.5pt; color: var(--muted); border-top: 1px solid var(--line); margin-top: 8px; padding-top: 4px; }
@page { margin: 8mm; }
@media print {
  body { max-width: none; padding: 0; font-size: 9.5pt; line-height: 1.22; }
  table.compare { line-height: 1.15; }
  /* Tighter cells and lists in print (issue 24 review: the alternatives' good and harder
     points had to fit the four-page budget, the Spanish copy too). */
  table.compare th, table.compare td, table.summary th, table.summary td { padding: 2px 3px; }
  section.clinic, section.about, ul.checklist, ol.questions { line-height: 1.15; }
  /* The same lines for a consult-filled copy's fit, SURE and plan (issue 24 review, defect
     16: that copy printed 6 pages against the 4 + 1 budget). */
  section.fit, section.worksheet { line-height: 1.15; }
  p.credit { font-size: 7pt; line-height: 1.1; color: var(--muted); }
  ol.sources.brief { line-height: 0.98; column-gap: 8px; }
  .refs-head { margin: 0 0 3px; }
  /* a source mark is raised: without this it makes its line taller than the others */
  .refs { line-height: 0; vertical-align: 0.2em; }
  /* Layout, not smaller type, keeps the page budget with room to spare (issue 24: the
     Spanish copies ran onto a fifth content page). The page-1 table's row labels take a
     narrower column (they wrap to two lines, as its cells do); figures run down two columns
     (first column then second, no row as tall as its taller pair), a figures list with one
     entry spans both; lists keep a small indent; a card's frame hugs its text. */
  table.summary tbody th, table.summary thead th:first-child { width: 14%; }
  ul.figures { display: block; columns: 2; column-gap: 12px; }
  ul.figures li { margin-bottom: 2px; }
  ul.figures li:only-child { column-span: all; }
  ul, ol { padding-left: 16px; }
  ol.questions { padding-left: 20px; }
  ul.checklist { padding-left: 2px; }
  .card { padding: 3px 8px; margin: 4px 0; }
  .card h3 { margin-top: 0; }
  /* the patient's tables break between rows, never inside one */
  table.whole-rows tr, table.alternatives tr { break-inside: avoid; }
  .lead { margin-bottom: 6px; }
  section.evidence h3 { margin-top: 4px; }
  /* The evidence heading, its warning and the first option's heading stay together and with
     that option's figures (IPDAS review 3, D3): kept whole, with no page break between it and
     the figures (set on both sides: Chromium honours break-after: avoid alone poorly). */
  .ev-lead { break-inside: avoid; break-after: avoid; }
  .ev-lead + ul.figures { break-before: avoid; }
  h2 { font-size: 12pt; margin: 4px 0 2px; }
  h3 { font-size: 10pt; margin: 4px 0 1px; }
  a { color: inherit; text-decoration: none; }
  thead { display: table-header-group; }
  /* Spanish runs ~20% longer than English: slightly tighter lines keep the printed Spanish
     handout within the English page budget (issue 28), still well spaced for reading. */
  html[lang="es"] body { line-height: 1.17; }
}
"""

CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'"


def e(text: str) -> str:
    """``text`` escaped for HTML (quotes too)."""
    return escape(text, quote=True)


def cite(index: SourceIndex, sources: tuple[Ref | str, ...]) -> str:
    """The source marks of ``sources`` as a span (empty when there are none)."""
    marks = index.refs(sources)
    return f' <span class="refs">{e(marks)}</span>' if marks else ""


def document(title: str, body: list[str]) -> str:
    """A whole, self-contained HTML document around ``body``."""
    return "\n".join(
        [
            "<!DOCTYPE html>",
            f'<html lang="{current()}">',  # the patient's language: screen readers and hyphenation
            "<head>",
            '<meta charset="utf-8">',
            f'<meta http-equiv="Content-Security-Policy" content="{CSP}">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            f"<title>{e(title)}</title>",
            f"<style>{CSS}</style>",
            "</head>",
            "<body>",
            *body,
            "</body>",
            "</html>",
            "",
        ]
    )
