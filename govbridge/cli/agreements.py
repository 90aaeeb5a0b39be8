"""`govbridge agreement ...`: sharing requests (共享申请) and agreements (共享协议)."""

from __future__ import annotations

from datetime import date

import typer
from pydantic import ValidationError

from govbridge.agreements import usecases
from govbridge.agreements.schemas import AgreementOut, AgreementRequestIn
from govbridge.cli.common import JsonOpt, emit, fail, out, use_case

agreement_app = typer.Typer(help="Sharing agreements (共享申请 / 共享协议).", no_args_is_help=True)

COLUMNS = ["code", "state", "consumer_name", "provider_name", "resource_code", "fields",
           "valid_until", "answer_due"]


def _date(value: str | None, option: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise fail(f"{option}: use YYYY-MM-DD (value {value!r})", 2) from None


def _masks(items: list[str]) -> dict[str, str]:
    masks: dict[str, str] = {}
    for item in items:
        name, sep, op = item.partition("=")
        if not sep or not name.strip() or not op.strip():
            raise fail(f"--mask: use FIELD=OPERATOR, e.g. legal_rep=surname (value {item!r})", 2)
        masks[name.strip()] = op.strip()
    return masks


def _show(agr: AgreementOut, as_json: bool) -> None:
    if as_json:
        emit(agr, True)
        return
    emit(agr, False, COLUMNS)
    if agr.grants:
        emit([{"field": f, "grant": g} for f, g in agr.grants.items()], False,
             ["field", "grant"], title="Grants")


@agreement_app.command("request")
def request_cmd(
    resource_code: str = typer.Argument(..., help="The dataset's resource code"),
    field: list[str] = typer.Option(..., "--field", "-f", help="A field to request (repeat)"),
    purpose_kind: str = typer.Option("service_item", help="service_item | legal_basis"),
    purpose_code: str | None = typer.Option(None, help="The service item's code"),
    purpose_text: str = typer.Option(..., help="The service item or legal basis in words"),
    valid_until: str = typer.Option(..., help="Last valid day, YYYY-MM-DD"),
    valid_from: str | None = typer.Option(None, help="First valid day (default: today)"),
    rate_per_minute: int = typer.Option(60, "--rate", help="Calls per minute"),
    daily_volume: int = typer.Option(10_000, "--volume", help="Records per day"),
    consumer: str | None = typer.Option(None, help="Requesting organization's code"),
    as_json: bool = JsonOpt,
) -> None:
    """Request fields of a published dataset for a purpose."""
    try:
        data = AgreementRequestIn(
            resource_code=resource_code, consumer_code=consumer, fields=field,
            purpose_kind=purpose_kind,  # type: ignore[arg-type]
            purpose_code=purpose_code, purpose_text=purpose_text,
            valid_from=_date(valid_from, "--valid-from"),
            valid_until=_date(valid_until, "--valid-until"),  # type: ignore[arg-type]
            rate_per_minute=rate_per_minute, daily_volume=daily_volume,
        )
    except ValidationError as exc:
        lines = [f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()]
        raise fail("; ".join(lines), 2) from None
    with use_case() as (ctx, actor):
        agr = usecases.request_agreement(ctx, actor, data)
    _show(agr, as_json)


@agreement_app.command("list")
def list_cmd(
    role: str = typer.Option("all", help="consumer | provider | all"),
    state: str | None = typer.Option(None, help="requested | approved | partially_approved | "
                                     "refused | revoked | expired"),
    as_json: bool = JsonOpt,
) -> None:
    """List agreements, newest first."""
    with use_case() as (ctx, actor):
        rows = usecases.list_agreements(ctx, actor, role, state)  # type: ignore[arg-type]
    emit(rows, as_json, COLUMNS, title="Agreements")


@agreement_app.command("show")
def show_cmd(code: str, as_json: bool = JsonOpt) -> None:
    """Show one agreement with its grants."""
    with use_case() as (ctx, actor):
        agr = usecases.get_agreement(ctx, actor, code)
    _show(agr, as_json)


@agreement_app.command("approve")
def approve_cmd(
    code: str,
    field: list[str] | None = typer.Option(
        None, "--field", "-f", help="Approve only these fields (repeat); default: all"),
    mask: list[str] | None = typer.Option(
        None, "--mask", help="FIELD=raw or FIELD=OPERATOR (redact, keep:F:L, surname, year, "
        "district, hash, null); repeat"),
    as_json: bool = JsonOpt,
) -> None:
    """Approve a pending request, for all or some fields."""
    masks = _masks(mask or [])
    with use_case() as (ctx, actor):
        agr = usecases.decide(ctx, actor, code, approve_fields=field or None, masks=masks or None)
    _show(agr, as_json)


@agreement_app.command("refuse")
def refuse_cmd(code: str,
               reason: str = typer.Option("", help="Why the request is refused (required)"),
               as_json: bool = JsonOpt) -> None:
    """Refuse a pending request, with a reason."""
    with use_case() as (ctx, actor):
        agr = usecases.decide(ctx, actor, code, refuse_reason=reason)
    _show(agr, as_json)


@agreement_app.command("revoke")
def revoke_cmd(code: str,
               reason: str = typer.Option("", help="Why the agreement ends (required)"),
               as_json: bool = JsonOpt) -> None:
    """Revoke an agreement (or withdraw a request); effective from the next call."""
    with use_case() as (ctx, actor):
        agr = usecases.revoke(ctx, actor, code, reason)
    _show(agr, as_json)


@agreement_app.command("overdue")
def overdue_cmd(as_json: bool = JsonOpt) -> None:
    """Requests still unanswered after their deadline."""
    with use_case() as (ctx, actor):
        rows = usecases.overdue(ctx, actor)
    if not rows and not as_json:
        out.print("no overdue requests")
        return
    emit(rows, as_json, ["code", "provider_name", "consumer_name", "resource_code",
                         "answer_due", "days_overdue"], title="Overdue requests")


@agreement_app.command("remind")
def remind_cmd(as_json: bool = JsonOpt) -> None:
    """Tell providers, once and urgently, of requests unanswered after their deadline (the
    server's scheduler does this every tick)."""
    with use_case() as (ctx, _actor):
        told = usecases.remind_overdue(ctx)
    emit({"reminded": told}, as_json, ["reminded"])
