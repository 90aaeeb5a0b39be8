"""Data quality: completeness, validity, uniqueness, timeliness, cross-department consistency.

What the domain offers (nothing is imported here; import the module named):

use cases `fn(ctx, actor, ...)`:
  usecases       `run_quality` (measured and kept), `history`, `history_chart_svg`,
                 `bureau_table`, `failing_rows` (provider or data bureau)
pure rules (no I/O):
  metrics        the five dimensions' scores, the weighted overall score, masking and
                 withholding values in listings
no actor:
  measurement    `measure` (every score now, not stored) and the `failing_*` listings,
                 streamed over the stored records
drawing:
  charts         `history_svg`: the history as a small SVG line chart
results:
  schemas        `QualityRunOut`, `QualityTableRow`, `FailingRows`
"""
