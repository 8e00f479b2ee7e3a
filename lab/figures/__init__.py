"""Figures: a declared figure and what goes under it.

:mod:`~lab.figures.charts` draws a declared figure (its chart, takeaway, "Data and files" and "Show the code");
:mod:`~lab.figures.export` makes its CSV, SVG and PNG files on click; :mod:`~lab.figures.claims` shows the claims
about a result with their live status; :mod:`~lab.figures.memo` remembers what was drawn for a shared result.

Imports :mod:`lab.chrome` (presenter mode's chart fonts) and :mod:`lab.computing` (the seeds a claim is counted over).
"""
