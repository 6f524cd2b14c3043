"""`resilient-agents loans apply|pending|status|decide`: the loan officer's side of the loan approval app.

Loans of 1,000,000 euros or more wait for a person: `loans pending` lists them (from Restate's state, through
the admin SQL API), `loans decide LOAN_ID --approve` resolves the workflow's decision promise.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

import httpx
import typer
from rich.markup import escape
from rich.table import Table

from ..config import Settings
from ..engine.admin import AdminClient
from ..exceptions import ResilientAgentsError
from ._app import app, console, fail, ingress_client, restate_errors

loans_app = typer.Typer(help="Loan approvals: apply, list the loans waiting for a person, decide, follow one.")
app.add_typer(loans_app, name="loans")

WORKFLOW = "LoanApprovalWorkflow"


def _call(handler: str, loan_id: str, body: Any = None) -> Any:
    with ingress_client() as client, restate_errors(client, f"{WORKFLOW}/{loan_id}/{handler}"):
        if handler == "run":
            return client.send(WORKFLOW, handler, body, key=loan_id)
        return client.call(WORKFLOW, handler, body, key=loan_id)


@loans_app.command()
def apply(
    customer: Annotated[str, typer.Argument(help="The customer id (their chat session key)")],
    amount: Annotated[float, typer.Argument(help="Euros")],
    months: Annotated[int, typer.Option(help="Term in months")] = 12,
    loan_id: Annotated[str | None, typer.Option(help="Default: <customer>-<amount>")] = None,
    purpose: str = "",
) -> None:
    """Submit a loan straight to the workflow (the chat agent does the same for customers)."""
    key = loan_id or f"{customer}-{int(amount)}"
    request = {"customer_id": customer, "loan_amount": amount, "loan_duration_months": months, "purpose": purpose}
    invocation = _call("run", key, {"loan_request": request})
    console.print(f"loan {key} submitted (invocation {invocation}); follow it: resilient-agents loans status {key}")


@loans_app.command()
def decide(
    loan_id: str,
    approve: Annotated[bool, typer.Option("--approve/--reject", help="The decision")],
    reason: Annotated[str, typer.Option(help="Why; the customer reads it in their chat")] = "",
) -> None:
    """Approve or reject a loan (resolves the workflow's decision promise; a second decision is refused)."""
    console.print(_call("on_loan_decision", loan_id, {"approved": approve, "reason": reason}))


@loans_app.command()
def status(loan_id: str) -> None:
    """Where one loan stands."""
    view = _call("get_status", loan_id)
    table = Table(title=f"loan {loan_id}", show_header=False, title_justify="left")
    table.add_column("field", style="bold")
    table.add_column("value")
    request = view.get("request") or {}
    decision = view.get("decision") or {}
    table.add_row("status", view.get("status", "unknown"))
    table.add_row("decided by", view.get("reviewer") or "-")
    table.add_row("customer", escape(str(request.get("customer_id", "-"))))
    table.add_row("amount", f"{request['loan_amount']:,.2f} euros" if "loan_amount" in request else "-")
    if decision:
        verdict = "approved" if decision.get("approved") else "rejected"
        table.add_row("decision", escape(f"{verdict}: {decision.get('reason', '')}"[:300]))
    console.print(table)


def pending_loans(admin: AdminClient) -> list[dict[str, Any]]:
    """Loans whose workflow waits for a person: their key and request, read from Restate's state table."""
    rows = admin.query(
        "select s.service_key as loan_id, r.value_utf8 as request from state s join state r"
        " on r.service_name = s.service_name and r.service_key = s.service_key and r.key = 'request'"
        f" where s.service_name = '{WORKFLOW}' and s.key = 'status' and s.value_utf8 = '\"waiting_for_human\"'"
    )
    return [{"loan_id": row["loan_id"], **json.loads(row.get("request") or "{}")} for row in rows]


@loans_app.command()
def pending() -> None:
    """Loans waiting for a human decision (1,000,000 euros and more)."""
    try:
        with AdminClient(Settings.from_env().admin_url) as admin:
            loans = pending_loans(admin)
    except (httpx.HTTPError, ResilientAgentsError) as exc:
        raise fail(f"cannot query Restate's admin API ({exc}): is `make run` running?") from None
    if not loans:
        console.print("no loan is waiting for a decision")
        return
    table = Table(title="waiting for a human decision", title_justify="left")
    for column in ("loan id", "customer", "amount", "months", "decide with"):
        table.add_column(column)
    for loan in sorted(loans, key=lambda item: str(item["loan_id"])):
        table.add_row(
            escape(loan["loan_id"]),
            escape(str(loan.get("customer_id", "-"))),
            f"{loan.get('loan_amount', 0):,.2f}",
            str(loan.get("loan_duration_months", "-")),
            escape(f"resilient-agents loans decide {loan['loan_id']} --approve"),
        )
    console.print(table)
