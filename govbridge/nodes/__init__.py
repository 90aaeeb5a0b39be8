"""Department nodes (前置机): each department serves its own data, holds its own seal key,
seals its answers and witnesses the hub's ledger.

Where a node's data lives: in the node's own directory, in its own small SQLite store
(`rows.db`, `store.py`), loaded by the department with `govbridge node load` from CSV /
JSON / JSON Lines exported from its system; or, for a dataset with a live source, in the
department's own database, read at each query (`live.py`, `govbridge node source add`:
a table or view, its columns mapped to the fields, the URL with its credentials kept in
`sources.json`, mode 0600, and shown masked everywhere). Not the hub's schema: a node
holds rows, never the catalog, agreements or ledger; it knows the datasets it serves
from a snapshot of their published fields and their data elements taken at enrolment
(`node.json`), and checks live rows with those elements. The hub keeps no copy of a
node's rows, and cannot tell stored from live: either way the node seals the answer and
the hub checks seal and payload alike.

Trust, both ways, rests on the platform CA (`govbridge.seals`):
- hub → node: HTTPS with mutual TLS. The node requires a client certificate issued by the
  CA and then accepts only the hub's (SHA-256 fingerprint pinned in `node.json`). The
  hub            trusts only the CA, checks the name `<code>.node.govbridge` (only that
  department's certificate carries it) and pins the node's certificate registered at
  enrolment      (`nodes` table).
- the answer: the node seals it with the department's seal key, which only the node
  holds          (the hub stores the public key and certificate, and cannot sign with it).
                 The
  hub            checks the seal against the CA, that the key is the provider's and not
                 revoked,
  and            that the payload is the hub's plan plus rows (`protocol.answer_problem`),
                 before
  it             records anything.
- node → hub (witnessing): the hub's public API with an API key of the department made at
  enrolment; the co-signature proves itself (`witness.py`). The hub's API is plain HTTP
  in             the embedded demo; put it behind TLS in production.

TLS keys are ECDSA P-256 certified by the Ed25519 CA (see `tls.py`). In the embedded demo
no node is enrolled and the hub reads, masks and seals itself (`gateway.produce_local`).

What the domain offers (nothing is imported here; import the module named):

hub use cases `fn(ctx, actor, ...)`:
  usecases       `enroll_node`, `list_nodes`, `set_status` (disable / enable)
the hub calling nodes, no actor:
  client, hub_client
                 `produce_remote`, `check_answer` (the node's sealed answer); the hub's own
                 TLS client certificate
pure rules (no I/O):
  protocol, tls  `answer_problem` (is the answer the plan plus rows); certificates and TLS
                 contexts for mutual TLS
the node's side:
  server, store, live, config, witness
                 `govbridge node run`; its row store; live sources; its directory;
                 witnessing the hub's ledger
"""
