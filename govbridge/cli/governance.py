"""`govbridge scorecard` and `govbridge points ...`: department scorecards and the sharing
points ledger, as the local operator (every department)."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from govbridge.cli.common import JsonOpt, emit, fail, out, use_case
from govbridge.governance import points, scorecards

PeriodOpt = typer.Option(None, "--period", help="YYYY-MM or YYYY (default: this year)")


def scorecard_cmd(
    period: str = PeriodOpt,
    department: str = typer.Option(None, "--department", help="One department's credit code"),
    csv_file: Path = typer.Option(None, "--csv", help="Also write the cards as CSV here"),
    as_json: bool = JsonOpt,
) -> None:
    """Department scorecards (部门考核) of a period, computed from the records."""
    with use_case() as (ctx, actor):
        cards = scorecards.scorecards(ctx, actor, period)
    if department:
        cards = [c for c in cards if c.department == department.strip().upper()]
        if not cards:
            raise fail(f"--department: no such department ({department!r})")
    if csv_file:
        csv_file.write_text(scorecards.csv_text(cards), encoding="utf-8")
    if as_json:
        out.print_json(json.dumps([c.model_dump(mode="json") for c in cards],
                                  ensure_ascii=False))
        return
    # The table keeps to what fits a terminal; --json and --csv carry every dimension.
    emit([{"rank": c.rank, "department": c.department, "name": c.name, "score": c.score,
           "rated": c.rated,
           "without data": sum(1 for d in c.dimensions.values() if d.score is None)}
          for c in cards], False,
         title=f"Scorecards {cards[0].period if cards else ''} (model v"
               f"{cards[0].model_version if cards else '-'})")


scoring_app = typer.Typer(help="The bureau's scoring model (versioned).", no_args_is_help=True)


@scoring_app.command("show")
def scoring_show(as_json: bool = JsonOpt) -> None:
    """Every version of the scoring model."""
    with use_case() as (ctx, actor):
        rows = scorecards.scoring_models(ctx, actor)
    emit(rows, as_json, ["version", "note", "created_by", "created_at"],
         title="Scoring model versions")


@scoring_app.command("set")
def scoring_set(model_file: Path = typer.Argument(..., help="JSON: {dimensions: {name: "
                                                  "{weight, full, zero}}, note}"),
                as_json: bool = JsonOpt) -> None:
    """Save a new version of the scoring model from a JSON file."""
    try:
        data = json.loads(model_file.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise fail(f"{model_file}: {exc}") from None
    with use_case() as (ctx, actor):
        row = scorecards.save_scoring_model(ctx, actor, data)
    emit(row, as_json, ["version", "note"], title="Saved")


points_app = typer.Typer(help="Sharing points (共享积分): a double-entry ledger.",
                         no_args_is_help=True)


@points_app.command("balance")
def points_balance(as_json: bool = JsonOpt) -> None:
    """Every department's balance, and the total over all accounts (always 0)."""
    with use_case() as (ctx, actor):
        result = points.balances(ctx, actor)
    if as_json:
        emit(result, True)
        return
    emit(result.accounts, False, ["department", "name", "balance", "in_deficit"],
         title=f"Points balances (total {result.total})")


@points_app.command("grant")
def points_grant(department: str, amount: int, reason: str = typer.Option(..., "--reason"),
                 source: str = typer.Option(..., "--from",
                                            help="Credit code of the granting (bureau's) account"),
                 as_json: bool = JsonOpt) -> None:
    """Grant points to a department from the bureau's account."""
    with use_case() as (ctx, actor):
        done = points.grant(ctx, actor, {"department": department, "amount": amount,
                                         "reason": reason, "source": source})
    emit(done, as_json, ["movement", "kind", "amount", "counterpart"], title="Granted")


@points_app.command("rates")
def points_rates(
    spend_on: str = typer.Option(None, help="call | approval"),
    per_call: int = typer.Option(None, min=0),
    per_thousand_rows: int = typer.Option(None, min=0),
    per_approval: int = typer.Option(None, min=0),
    as_json: bool = JsonOpt,
) -> None:
    """Show the current rates, or save a new version with the options given."""
    given = {k: v for k, v in {"spend_on": spend_on, "per_call": per_call,
                               "per_thousand_rows": per_thousand_rows,
                               "per_approval": per_approval}.items() if v is not None}
    with use_case() as (ctx, actor):
        row = (points.save_rates(ctx, actor, {**points.current_rates(ctx), **given})
               if given else points.rates_setting(ctx, actor))
    emit(row, as_json, ["version", "config", "note"], title="Points rates")
