"""Sharing agreements (共享申请 / 共享协议): request, decide, revoke, and the gate the
gateway passes through before it returns any data.

What the domain offers (nothing is imported here; import the module named):

use cases `fn(ctx, actor, ...)`:
  usecases       `request_agreement`, `decide`, `answer` (a `DecisionIn`), `revoke`,
                 `get_agreement`, `list_agreements`, `overdue`
predicates:
  usecases       `can_decide`, `can_revoke`, `can_query` (actor, agreement); `allowed` (all
                 three in the agreement's present state, for pages)
pure rules (no I/O):
  policy, workdays
                 effective state, `in_force`, `is_overdue`, purpose matching, `choose`
                 (which agreement covers a call); working-day deadlines
lookups, no actor:
  lookup         `find_agreement`, `state_of`, `to_out`, `today`, `calendar`; the gateway's
                 gate `active_agreement_for`
inputs and results:
  schemas        `AgreementRequestIn`, `DecisionIn`, `RevokeIn` (their limits, e.g.
                 `REASON_MAX`), `AgreementOut`, `OverdueOut`
"""
