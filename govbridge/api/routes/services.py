"""Service item routes (政务服务事项): definitions, BPMN process versions, holiday calendar."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Query, Request, Response, UploadFile
from starlette.concurrency import run_in_threadpool

from govbridge.api.bodies import Id, upload_or_body
from govbridge.api.deps import acting
from govbridge.api.headers import diagram_response
from govbridge.core.errors import InvalidInput
from govbridge.services import usecases
from govbridge.services.schemas import (
    HolidayIn,
    HolidayOut,
    ItemStatus,
    LaneMapIn,
    LaneOut,
    ServiceItemIn,
    ServiceItemOut,
    ServiceItemUpdate,
    VersionOut,
)

items = APIRouter(prefix="/service-items", tags=["service items"])
holidays = APIRouter(prefix="/holidays", tags=["service items"])


@items.get("", response_model=list[ServiceItemOut], summary="Service items")
def list_items(request: Request, status: ItemStatus | None = None,
               org_code: str | None = None) -> list[ServiceItemOut]:
    with acting(request) as (ctx, actor):
        return usecases.list_service_items(ctx, actor, status, org_code)


@items.post("", response_model=ServiceItemOut, status_code=201,
             summary="Define a service item (bureau)")
def create_item(body: ServiceItemIn, request: Request) -> ServiceItemOut:
    with acting(request) as (ctx, actor):
        return usecases.create_service_item(ctx, actor, body)


@items.get("/{code}", response_model=ServiceItemOut, summary="One service item")
def get_item(code: str, request: Request) -> ServiceItemOut:
    with acting(request) as (ctx, actor):
        return usecases.get_service_item(ctx, actor, code)


@items.patch("/{code}", response_model=ServiceItemOut, summary="Change a service item (bureau)")
def update_item(code: str, body: ServiceItemUpdate, request: Request) -> ServiceItemOut:
    with acting(request) as (ctx, actor):
        return usecases.update_service_item(ctx, actor, code, body)


@items.put("/{code}/lanes", response_model=list[LaneOut],
           summary="Map lanes or pools of the item's process to departments (bureau)",
           description="An unmapped lane blocks publishing, not import; a lane whose name "
           "holds the department's credit code needs no mapping. Answers every lane of the "
           "current process with its department.")
def map_lanes(code: str, body: LaneMapIn, request: Request) -> list[LaneOut]:
    with acting(request) as (ctx, actor):
        lanes = usecases.map_lanes(ctx, actor, code, body.lanes)
    return [LaneOut(lane=lane, department=org) for lane, org in lanes.items()]


def _import(request: Request, code: str, xml: bytes, filename: str | None) -> VersionOut:
    with acting(request) as (ctx, actor):
        if not xml:
            raise InvalidInput.one("file", "send the .bpmn file (raw body or multipart field "
                                   "'file')", None, "required")
        return usecases.import_bpmn(ctx, actor, code, xml, filename=filename)


@items.post("/{code}/bpmn", response_model=VersionOut, status_code=201,
             summary="Import a BPMN 2.0 process: the item's next version",
             description="Send the `.bpmn` file as the raw body (application/xml) or as the "
                         "multipart field `file`.")
async def import_bpmn(code: str, request: Request, file: UploadFile | None = None) -> VersionOut:
    data = await upload_or_body(request, file)
    filename = file.filename if file is not None else None
    return await run_in_threadpool(_import, request, code, data, filename)


@items.get("/{code}/versions", response_model=list[VersionOut], summary="Process versions")
def list_versions(code: str, request: Request) -> list[VersionOut]:
    with acting(request) as (ctx, actor):
        return usecases.list_versions(ctx, actor, code)


@items.get("/{code}/versions/{version}", response_model=VersionOut,
            summary="One process version with its BPMN XML")
def get_version(code: str, version: Id, request: Request) -> VersionOut:
    with acting(request) as (ctx, actor):
        return usecases.get_version(ctx, actor, code, version)


@items.get("/{code}/versions/{version}/bpmn", response_class=Response,
            responses={200: {"content": {"application/xml": {}}}},
            summary="The BPMN file of a version (opens in bpmn.io)")
def get_version_file(code: str, version: Id, request: Request) -> Response:
    with acting(request) as (ctx, actor):
        found = usecases.get_version(ctx, actor, code, version)
    return Response(found.bpmn_xml or "", media_type="application/xml")


@items.get("/{code}/versions/{version}/diagram.svg", response_class=Response,
            responses={200: {"content": {"image/svg+xml": {}}}},
            summary="The process of a version drawn from its diagram (SVG)")
def get_version_diagram(code: str, version: Id, request: Request) -> Response:
    with acting(request) as (ctx, actor):
        svg = usecases.process_diagram(ctx, actor, code, version)
    return diagram_response(svg)


@holidays.get("", response_model=list[HolidayOut], summary="The bureau's holiday calendar")
def list_holidays(request: Request,
                  year: int | None = Query(None, ge=1900, le=2999)) -> list[HolidayOut]:
    with acting(request) as (ctx, actor):
        return usecases.list_holidays(ctx, actor, year)


@holidays.put("", response_model=HolidayOut,
              summary="Mark a day as a holiday or a make-up working day (bureau)")
def set_holiday(body: HolidayIn, request: Request) -> HolidayOut:
    with acting(request) as (ctx, actor):
        return usecases.set_holiday(ctx, actor, body)


@holidays.delete("/{day}", status_code=204, summary="Remove a day from the calendar (bureau)")
def remove_holiday(day: date, request: Request) -> Response:
    with acting(request) as (ctx, actor):
        usecases.remove_holiday(ctx, actor, day)
    return Response(status_code=204)


router = APIRouter()
router.include_router(items)
router.include_router(holidays)
