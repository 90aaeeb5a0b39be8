"""Analytics over the service records (flow 7): the certificate co-occurrence graph, demand
and outcomes, what-if replays; plus the reproducible case history the demo and the
analytics bench need.

pure (no I/O):
  synthetic      a history of finished cases drawn from a seed
no actor:
  history        the drawn history bulk-inserted into the cases tables
"""
