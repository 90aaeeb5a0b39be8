"""Privacy computing (隐私计算), flow 8: data usable but invisible (可用不可见) between
departments — private set intersection, secure aggregation and federated learning, each
run as a privacy job under the governance of a sharing agreement.

A job names its parties (department, dataset, the fields it reads), the computation and
its parameters, the receiving department and a purpose; every party approves it (what is
revealed, to whom), nothing runs before that, and a refusal ends it. A run starts one OS
process per party, reading only its department's rows (from the department node's own
store, or the hub-held dataset in the embedded demo); the hub relays and records every
message, sees only public keys, ciphertexts, blinded or masked values and summed shares,
applies the output controls and keeps the result sealed for the receiver. Each run leaves
a disclosure receipt in the ledger; a person sees which computations read a dataset
holding their record, never the result.

What the domain offers (nothing is imported here; import the module named):

use cases `fn(ctx, actor, ...)`:
  usecases       `create_job`, `decide`, `start_run` / `finish_run` (and `run_job`, the
                 two transactions with the parties computing between), `get_job`,
                 `list_jobs`, `my_computations`; predicates `can_read`, `sees_result`,
                 `can_decide`, `can_run`, `allowed`
pure rules (no I/O):
  rules          what a job must name, approvals, what is revealed to whom, output
                 controls (minimum group size, per-dataset budget, Laplace noise)
  sharing        Shamir sharing over GF(2^127 - 1), fixed-point numbers
  channel        X25519 pair secrets, AES-GCM between parties, tokens and masks
the computations (party and hub generators, `protocol.py` for the rounds):
  psi            ECDH-PSI (openmined-psi) for counts and intersections; masked sums
  aggregation    secure count / sum / mean / histogram, one dropout recovered
  learning       FedAvg of logistic regression and a linear SVM over secure aggregation
the processes:
  party          `python -m govbridge.privacy.party`, one per party
  relay          the hub's side: starts the parties, routes and records the messages
"""
