"""A case's process drawn with where the case stands: its run's finished, current and
waiting steps marked on the drawing of the very version the case runs (SVG; the web's case
pages and `GET /api/v1/cases/{code}/diagram.svg` both serve it).

Who may see it is who may read the case: `usecases.timeline` decides (NotFound for anyone
else, so the drawing never tells whether a case exists). Before acceptance the case has no
run yet: the item's current process, unmarked.
"""

from __future__ import annotations

from govbridge.cases import usecases as cases
from govbridge.identity.actor import Actor
from govbridge.runtime import Ctx
from govbridge.services import usecases as services
from govbridge.services.engine import ProcessRun


def case_diagram(ctx: Ctx, actor: Actor, code: str) -> str:
    """The case's process as SVG with its steps marked."""
    detail = cases.timeline(ctx, actor, code)
    state = cases.find_case(ctx, detail.code).workflow_state
    marks = ProcessRun.from_json(state).step_marks() if state else {}
    return services.process_diagram(ctx, actor, detail.item_code, detail.item_version, marks)
