"""Governance (flow 7): department scorecards and sharing points, both computed from the
records govbridge already holds.

What the domain offers (nothing is imported here; import the module named):

use cases `fn(ctx, actor, ...)`:
  scorecards     `scorecards`, `scorecard`, `trend`, `csv_text`, the versioned scoring model
                 (`scoring_models`, `save_scoring_model`)
  points         `balances`, `movements`, `grant`, `rates_setting`, `save_rates`; the hooks
                 `on_query` (gateway) and `on_approval` (agreements), in the caller's
                 transaction
pure rules (no I/O):
  scoring        dimensions, partial credit, the card's weighted score, the default model
  points_rules   what a call or an approval is worth, the quality factor
  periods        YYYY-MM / YYYY as UTC ranges in China Standard Time
no actor:
  facts          every department's figures for one period (one query per dimension)
  settings       versioned bureau settings (version 1: the built-in default)
"""
