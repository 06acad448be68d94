"""The large-print handout (``--large-print``): the same page, in type a person with low vision
can read.

The standard handout's print type is small (9.5 pt text, 8 pt tables, 5.8 pt sources) to keep
the four-plus-one page budget of issue 24. Large print is the accessible-print alternative a
reader asks for; it keeps no page budget. Its sizes follow the American Council of the Blind's
*Large Print Guidelines* (ACB Board of Publications, 2022; https://acb.org/node/173): body
text 18 pt sans-serif, headings 22 pt and subheadings 20 pt, flush left with a ragged right
edge, one column, 1 inch margins, notes and citations at the end. The American Printing
House for the Blind likewise calls print of 18 points or more "large print" (APH, *Guidelines
for Print Document Design*, Kitchel 2011; https://www.aph.org/aph-guidelines-for-print-document-design/).

Here every piece of text is 18 pt or more: the source marks, the figures' captions, the
table cells and the full list of sources too (printed at 5.8 pt in three columns in the
standard copy). Text is dark on white: the standard copy's grey (source list, notes, "where"
lines) becomes the body's ink.

:func:`enlarge` turns a page made by :func:`ketadecide.render.html_page.document` into its
large-print form: a class on ``<html>`` and one more style sheet, nothing else in the content
or its order (tables are numbered for the style sheet, and a tick box is tied to its label by
no-break spaces). Tables of four options side by side cannot hold 18 pt text in a page's width, so
in large print each row is stacked: the row's name, then each option's cell after the option's
name (taken from the table's own column heads, so the words are the page's own, in its
language).
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

#: The smallest type on a large-print page, in points (ACB 2022: 18 pt body text; the tests
#: measure the printed PDF against it).
FLOOR_PT = 18

#: Scoped to ``html.large-print`` so that it can never touch the standard copy, and included
#: only in a large-print page (the ``@page`` margins cannot be scoped). ``!important`` on the
#: sizes: a large-print reader's sizes must win over every size the standard print CSS sets,
#: however specific its selector, including ones added to it later.
CSS = f"""
/* Large print (ketadecide.render.large_print): ACB Large Print Guidelines 2022, APH */
html.large-print {{ --ink:#000; --muted:#000; --line:#666; }}
@page {{ margin: 1in; }}
@page refs {{ margin: 1in; }}
html.large-print body {{ font-family: "DejaVu Sans", Verdana, Arial, sans-serif; color: var(--ink);
  max-width: 42em; overflow-wrap: break-word; text-align: left; }}
html.large-print body, html.large-print body * {{ font-size: {FLOOR_PT}pt !important;
  line-height: 1.2 !important; font-style: normal !important; }}
/* the standard copy's "Need bigger print?" line: this copy is the answer */
html.large-print p.bigger {{ display: none; }}
html.large-print h1 {{ font-size: 24pt !important; margin: 0 0 8pt; }}
html.large-print h1, html.large-print h2, html.large-print h3 {{ break-inside: avoid; }}
html.large-print h2 {{ font-size: 22pt !important; margin: 20pt 0 6pt !important; }}
html.large-print h3, html.large-print .crisis strong {{ font-size: 20pt !important; margin: 12pt 0 4pt !important; }}
html.large-print p, html.large-print li {{ margin: 6pt 0 !important; }}
/* room for a list's numbers ("10.") and bullets inside the margin, not hanging into it */
html.large-print ol {{ padding-left: 2.2em !important; }}
html.large-print ul {{ padding-left: 1.4em !important; }}
html.large-print ul.checklist, html.large-print ul.figures {{ padding-left: 0 !important; }}
/* emphasis by weight, not italics (ACB, APH) */
html.large-print i, html.large-print em {{ font-weight: bold; }}
/* one column everywhere: no two- or three-column lists, no grid of figures */
html.large-print .twocol, html.large-print ol.sources, html.large-print ol.sources.brief,
html.large-print ul.figures {{ columns: auto !important;
  column-count: 1 !important; }}
html.large-print ol.sources li {{ overflow-wrap: anywhere; margin: 4pt 0 !important; }}
html.large-print ol.sources {{ color: var(--ink) !important; }}
/* a source mark sits on the line at full size: a raised small mark is what large print avoids */
html.large-print .refs {{ vertical-align: baseline !important; color: var(--ink) !important; }}
html.large-print p.credit, html.large-print footer, html.large-print .notes, html.large-print .where,
html.large-print .lead, html.large-print .rule-id {{ color: var(--ink) !important; }}
html.large-print ul.figures {{ display: block !important; padding: 0; }}
html.large-print ul.figures li {{ display: flex !important; gap: 10pt !important; align-items: flex-start;
  margin: 10pt 0 !important; break-inside: avoid; }}
html.large-print ul.figures svg.icons {{ width: 1.25in !important; height: 1.25in !important; flex: none; }}
html.large-print ul.figures li.cohort {{ border-left-width: 3pt; }}
html.large-print ul.checklist li::before {{ width: 16pt !important; height: 16pt !important;
  border-width: 2pt !important; vertical-align: -2pt !important; }}
/* Tables stacked: the row's name as a heading bar, then each option's cell after its name. */
html.large-print table, html.large-print thead, html.large-print tbody, html.large-print tr,
html.large-print th, html.large-print td {{ display: block !important; width: auto !important; }}
html.large-print table {{ border-collapse: separate !important; table-layout: auto !important; }}
html.large-print thead {{ display: none !important; }}
/* a stacked row may split between its cells (the standard print keeps a patient's rows whole) */
html.large-print tr {{ break-inside: auto !important; }}
html.large-print tbody > tr {{ margin: 0 0 10pt; }}
html.large-print tbody th, html.large-print tbody td {{ border: none !important;
  padding: 3pt 6pt !important; }}
html.large-print tbody th[scope="row"] {{ background: #e6edf5 !important;
  border-top: 2pt solid var(--accent) !important; margin-top: 10pt; break-after: avoid; }}
html.large-print tbody td {{ border-top: 1pt solid var(--line) !important; break-inside: avoid; }}
html.large-print tbody td:first-child {{ border-top: 2pt solid var(--accent) !important; background: #f3f3f3; }}
html.large-print tr.start th {{ background: none !important; border-top: none !important; padding: 0 !important; }}
html.large-print tbody td::before {{ font-weight: bold; }}
/* the worksheet's boxes are filled in by hand (what matters first, the leaning and the plan
   last): room to write between the lines; each paragraph kept on one page */
html.large-print section.worksheet > p {{ break-inside: avoid; }}
html.large-print section.worksheet > p:first-of-type,
html.large-print section.worksheet > p:nth-last-of-type(-n+2) {{ line-height: 1.9 !important; }}
@media print {{
  html.large-print body {{ max-width: none; padding: 0; }}
  html.large-print h2 {{ break-after: avoid; }}
}}
"""


def css_string(text: str) -> str:
    """``text`` as a quoted CSS string that cannot end the string, the rule or the
    ``<style>`` element: every character but an ASCII letter or digit as a six-digit CSS
    escape (a space too: CSS reads a space after an escape as the escape's end)."""
    return '"' + "".join(c if c.isascii() and c.isalnum() else f"\\{ord(c):06x}" for c in text) + '"'


class _Heads(HTMLParser):
    """The column heads of each table, in page order (the text of each ``<thead>`` cell)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: list[list[str]] = []
        self._in_head = False
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self.tables.append([])
        elif tag == "thead":
            self._in_head = True
        elif tag == "th" and self._in_head:
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "thead":
            self._in_head = False
        elif tag == "th" and self._cell is not None:
            self.tables[-1].append(" ".join("".join(self._cell).split()))
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def _labels(page: str) -> tuple[str, str]:
    """The page with each table numbered (``data-lp``), and the rules that put each column's
    head before its cells. The first column is the row's own name, so it gets no label."""
    heads = _Heads()
    heads.feed(page)
    rules = []
    for n, cols in enumerate(heads.tables, 1):
        for i, name in enumerate(cols[1:], 2):
            if name:
                rules.append(
                    f'html.large-print table[data-lp="{n}"] > tbody > tr > td:nth-child({i})::before '
                    f"{{ content: {css_string(name + ': ')}; }}"
                )
    # Every "<table" of the page is markup: text from input or data is escaped (html_page.e).
    parts = re.split(r"<table\b", page)
    numbered = parts[0] + "".join(f'<table data-lp="{n}"{rest}' for n, rest in enumerate(parts[1:], 1))
    return numbered, "\n".join(rules)


#: A tick box of the leaning question (``html._worksheet``) and its label, up to the next box
#: or tag: in large type the line breaks often, and a box left at the end of a line reads as
#: the box of the label before it ("IM ketamine ☐ / Oral ketamine ☑ Not sure yet").
_BOX_AND_LABEL = re.compile(r"(&#974[45];) ([^&<]+?)(?= &#974[45];|<|$)")


def _keep_boxes_with_labels(page: str) -> str:
    """Each tick box joined to its label with no-break spaces (large print only: the words
    and their order are unchanged)."""
    return _BOX_AND_LABEL.sub(lambda m: f"{m[1]}&#160;{m[2].replace(' ', '&#160;')}", page)


def enlarge(page: str) -> str:
    """A handout page (from :func:`~ketadecide.render.html_page.document`) in large print."""
    numbered, rules = _labels(_keep_boxes_with_labels(page))
    head, sep, rest = numbered.partition("<html ")
    if not sep or "</head>" not in rest:
        raise ValueError("not a page made by html_page.document")
    rest = rest.replace("</head>", f"<style>{CSS}{rules}\n</style>\n</head>", 1)
    return f'{head}<html class="large-print" {rest}'
