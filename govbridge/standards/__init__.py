"""Data standards (数据元): data elements, code tables and the value rules they imply.

What the domain offers (nothing is imported here; import the module named):

use cases `fn(ctx, actor, ...)`:
  usecases       `list_elements`, `get_element`, `register_element`, `revise_element`,
                 `deprecate_element`, `list_code_table`
no actor (callers check first):
  usecases       `spec_of` (an element's rules, for the catalog, ingest, the exchange and
                 nodes), `seed_builtin_elements`, `count_elements`
pure rules (no I/O):
  spec, validation, code_tables, builtin
                 what an element says about a value; `compile_element` / `check_value`
                 (coerce and check one value); the national code tables; the built-in
                 elements
inputs and results:
  schemas        `ElementIn`, `ElementOut`, `CodeTableOut`
"""
