"""Drawing a service item's process in the browser: the bpmn-js modeler (bpmn.io), served
by govbridge from what set-up installed from the npm registry (`web/assets.py`; no CDN),
opened on the item's current process or a blank one.

The page holds no rule of its own: the drawing is saved as a .bpmn file into the same
upload form the file import uses (`/admin/services/{code}/bpmn/upload`), so a drawn
process is checked, refused with its problems, or stored as a new version exactly like an
uploaded one (`services.import_bpmn`). Where set-up found no npm the page says so and the
upload form still works. The modeler keeps the bpmn.io watermark its licence requires.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from govbridge.api.deps import runtime
from govbridge.core.permissions import Permission
from govbridge.identity.access import require
from govbridge.services import usecases as services
from govbridge.web import session
from govbridge.web.assets import modeler_installed
from govbridge.web.frame import viewer_of, web_page
from govbridge.web.render import render

router = APIRouter(include_in_schema=False)
BPMN_JS_VERSION = "18.31.1"  # as pinned in web/vendor/package-lock.json: the assets' cache key


@router.get("/admin/services/{code}/draw")
@web_page
def draw_process(code: str, request: Request) -> Response:
    lang = session.language(request)
    with runtime(request).context() as ctx:
        viewer = viewer_of(ctx, request)
        require(viewer.actor, Permission.SERVICE_MANAGE)
        item = services.get_service_item(ctx, viewer.actor, code[:64])
        xml = (services.get_version(ctx, viewer.actor, item.code).bpmn_xml or ""
               if item.current_version else "")
    return render(request, "services/draw.html", lang, viewer=viewer, item=item, xml=xml,
                  installed=modeler_installed(), asset_version=BPMN_JS_VERSION)
