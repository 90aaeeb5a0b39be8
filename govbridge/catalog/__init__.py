"""The catalog (政务信息资源目录): datasets, their versions, review, search and export.

What the domain offers (nothing is imported here; import the module named):

use cases `fn(ctx, actor, ...)`:
  usecases       `create_dataset`, `update_draft`, `propose_version`, `submit`, `review`,
                 `retire`, `get_dataset`, `list_datasets`, `review_queue`
  search, dcat   `search` (ranked hits, filters, facets); `export_catalog` (DCAT-AP Turtle /
                 JSON-LD)
predicate:
  usecases       `can_manage(actor, dataset)`
pure rules (no I/O):
  rules, terms   sharing conditions, subject and key fields, the grade derived from the
                 fields; CJK bigram / word tokens for search
lookups, no actor:
  usecases       `find_dataset`, `latest_version`, `published_fields`, `to_out` (other
                 domains read entries through these)
search index:
  index          `reindex`, `drop` (called by the use cases on publish and retire)
inputs and results:
  schemas        `DatasetIn`, `FieldIn`, `ReviewIn`, `RetireIn`, `VersionIn` (their limits),
                 `DatasetOut`, `SearchResult`
"""
