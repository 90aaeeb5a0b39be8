"""The exchange: what the gateway returns to a consumer, and how it is masked.

What the domain offers (nothing is imported here; import the module named):

use cases `fn(ctx, actor, ...)`:
  gateway        `query` (plan → produce → record, all in one transaction), and its steps
                 `plan`, `record`
  transparency   `my_accesses`, `subject_accesses` (who used a subject's data, with proofs),
                 `list_flags`, `review_flag`
pure rules (no I/O):
  plan, anomaly, case_binding
                 the plan's facts, masking rows (`mask_rows`, `mask_key`), naming subjects
                 (`subjects_of`); unusual-access flags (volume, off hours);
                 `binding_problem` (a service-item purpose names a real case)
no actor:
  gateway, transparency, misses, admission
                 `produce_local` / `produce` (read the rows here or at the node),
                 `flag_access`; lookups that found nothing; how many queries run at once
offline:
  verify         `verify_response`: a saved answer's seal, ledger binding, proof and tree
                 head
inputs and results:
  schemas        `QueryIn` (with its `PurposeIn`), `ExchangeResponse` (the sealed answer and
                 its `Receipt`)
"""
