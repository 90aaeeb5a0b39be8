"""The ledger (存证账本): an append-only Merkle log of accesses, agreements and issuances.

What the domain offers (nothing is imported here; import the module named):

use cases `fn(ctx, actor, ...)`:
  queries        `inclusion_proof`, `consistency_proof`, `get_entry`
  checkpoints    `checkpoint_now`, `latest_checkpoint`, `list_checkpoints`,
                 `record_cosignature` (a witness's co-signature)
  commitments, audit
                 `list_subject_keys`, `rotate_subject_key`; `audit_ledger` (recompute and
                 compare)
pure rules (no I/O):
  merkle, commitments, proof_files
                 RFC 9162 hashes, roots and proofs and their checks; the keyed commitment
                 naming a subject and its opening; a proof file's check
no actor (callers check first):
  log, checkpoints, schedule, witness
                 `append` (every domain's entries, in its transaction), `tree_state`,
                 `entries_of_subject`; `create_checkpoint`; the scheduled checkpoints; a
                 department's witness
inputs:
  schemas        `SubjectKeyRotateIn` (its limits)
"""
