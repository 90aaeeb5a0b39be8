"""`govbridge cert ...`: electronic certificates (电子证照): issue (on a case, or as a
request another officer approves: `requests`, `approve`, `refuse`), list, export, revoke,
and verify a PDF or sealed JSON offline. The local operator acts under the OS user name,
so a request made by one OS user is decided by another."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import typer

from govbridge.certificates import requests, usecases
from govbridge.certificates.schemas import CertificateIn, IssuanceRequestOut
from govbridge.certificates.verify import verify_bytes
from govbridge.cli.common import JsonOpt, emit, fail, out, use_case

cert_app = typer.Typer(help="Electronic certificates (电子证照).", no_args_is_help=True)

COLUMNS = ["id", "identifier", "type_name", "issuer_code", "status", "valid_until"]
REQUEST_COLUMNS = ["id", "state", "type_name", "holder_id", "holder_name", "issuer_code",
                   "requested_by", "decided_by", "certificate_id"]


@cert_app.command("issue")
def cert_issue(
    issuer: str = typer.Option(..., "--issuer", help="Issuing organization's code"),
    cert_type: str = typer.Option(
        ..., "--type", help="One of the issuer's published certificate types: its resource "
                            "code or exact name, e.g. 营业执照"),
    holder_id: str = typer.Option(..., "--holder", help="Citizen ID or credit code"),
    holder_name: str = typer.Option(..., "--holder-name", help="As registered"),
    case: str | None = typer.Option(
        None, "--case", help="Code of the case it is issued on (accepted or in progress; "
                             "the holder is its applicant or created enterprise). Without "
                             "a case a request is made that another officer approves"),
    number: str | None = typer.Option(None, "--number"),
    valid_until: datetime | None = typer.Option(None, "--valid-until"),
    data: str = typer.Option("{}", "--data", help="The certificate's data as a JSON object"),
    as_json: bool = JsonOpt,
) -> None:
    """Issue a certificate on a case (sealed JSON and PDF, ledgered, shared), or request it."""
    try:
        fields = json.loads(data)
    except ValueError as exc:
        raise fail(f"--data is not JSON: {exc}") from None
    if not isinstance(fields, dict):
        raise fail("--data must be a JSON object")
    with use_case() as (ctx, actor):
        made = usecases.issue_certificate(ctx, actor, CertificateIn(
            issuer_org=issuer, certificate_type=cert_type, holder_id=holder_id,
            holder_name=holder_name, case=case, number=number, valid_until=valid_until,
            data=fields))
    if isinstance(made, IssuanceRequestOut):
        emit(made, as_json, REQUEST_COLUMNS)
        if not as_json:
            out.print(f"request {made.id} is pending: another officer of {made.issuer_name} "
                      f"approves it with `govbridge cert approve {made.id}`", highlight=False,
                      soft_wrap=True)
        return
    emit(made, as_json, COLUMNS)


@cert_app.command("requests")
def cert_requests(
    state: str = typer.Option("pending", "--state", help="pending, approved, refused or all"),
    as_json: bool = JsonOpt,
) -> None:
    """List issuance requests (each with its `id`)."""
    if state not in ("pending", "approved", "refused", "all"):
        raise fail("--state is one of pending, approved, refused, all")
    with use_case() as (ctx, actor):
        rows = requests.list_requests(ctx, actor,
                                      state=None if state == "all" else state)  # type: ignore[arg-type]
    emit(rows, as_json, REQUEST_COLUMNS, title="Issuance requests")


@cert_app.command("approve")
def cert_approve(request_id: int = typer.Argument(..., help="Request id (from `cert requests`)"),
                 as_json: bool = JsonOpt) -> None:
    """Approve another officer's request: the certificate is issued."""
    with use_case() as (ctx, actor):
        made = requests.approve_request(ctx, actor, request_id)
    emit(made, as_json, COLUMNS)


@cert_app.command("refuse")
def cert_refuse(request_id: int = typer.Argument(...),
                reason: str = typer.Option(..., "--reason"),
                as_json: bool = JsonOpt) -> None:
    """Refuse another officer's request, with a reason; nothing is issued."""
    with use_case() as (ctx, actor):
        done = requests.refuse_request(ctx, actor, request_id, reason)
    emit(done, as_json, REQUEST_COLUMNS)


@cert_app.command("list")
def cert_list(holder: str | None = typer.Option(None, "--holder"),
              as_json: bool = JsonOpt) -> None:
    """List certificates (each with its `id`)."""
    with use_case() as (ctx, actor):
        rows = usecases.list_certificates(ctx, actor, holder_id=holder)
    emit(rows, as_json, COLUMNS, title="Certificates")


@cert_app.command("export")
def cert_export(
    certificate_id: int = typer.Argument(..., help="Certificate id (from `cert list`)"),
    pdf_out: Path | None = typer.Option(None, "--pdf", help="Write the sealed PDF here"),
    json_out: Path | None = typer.Option(None, "--json", help="Write the sealed VC JWS here"),
) -> None:
    """Write the sealed PDF and/or the sealed VC (compact JWS)."""
    if pdf_out is None and json_out is None:
        raise fail("give --pdf OUT and/or --json OUT")
    with use_case() as (ctx, actor):
        identifier, pdf_bytes = usecases.certificate_pdf(ctx, actor, certificate_id)
        _, token = usecases.certificate_vc(ctx, actor, certificate_id)
    if pdf_out is not None:
        pdf_out.write_bytes(pdf_bytes)
    if json_out is not None:
        json_out.write_text(token + "\n")
    out.print(f"{identifier}: written", highlight=False)


@cert_app.command("revoke")
def cert_revoke(
    certificate_id: int = typer.Argument(...),
    reason: str = typer.Option(..., "--reason"),
    as_json: bool = JsonOpt,
) -> None:
    """Revoke a certificate (ledgered); verification then says `revoked`."""
    with use_case() as (ctx, actor):
        done = usecases.revoke_certificate(ctx, actor, certificate_id, reason)
    emit(done, as_json, COLUMNS)


@cert_app.command("verify")
def cert_verify(
    file: Path = typer.Argument(..., exists=True, dir_okay=False),
    ca: Path | None = typer.Option(
        None, "--ca", help="Platform CA PEM: verify without the local database (revocation "
                           "is then not consulted)"),
    as_json: bool = JsonOpt,
) -> None:
    """Verify a certificate PDF or sealed JSON offline; exit 1 unless it is valid."""
    data = file.read_bytes()
    if ca is not None:
        verdict = verify_bytes(data, ca_pem=ca.read_text(), at=datetime.now(UTC))
    else:
        with use_case() as (ctx, _actor):
            verdict = usecases.verify_document(ctx, data)
    if as_json:
        emit(verdict, True)
    else:
        who = f"issued by {verdict.issuer_name} ({verdict.issuer_code})" \
            if verdict.issuer_code else ""
        detail = "; ".join(verdict.reasons)
        out.print(f"{file}: {verdict.status} {verdict.identifier or ''} {who}"
                  + (f" — {detail}" if detail else ""), highlight=False, soft_wrap=True)
    if verdict.status != "valid":
        raise typer.Exit(1)
