"""`LoanApprovalWorkflow`: a code-defined workflow with an agentic step, one per loan id (the workflow key).

    run               review the request: below 1,000,000 euros a review agent session decides (it reads the
                      transaction history, may ask the customer through their chat, and calls `on_loan_decision`
                      as a tool); from 1,000,000 a person decides. Then book the decision, move the money and
                      schedule the monthly repayments, and tell the customer in their chat.
    on_loan_decision  resolve the decision promise (the review agent's tool; people use it via curl, the CLI
                      `resilient-agents loans decide`, or the chat page). A second decision is refused.
    request_info      the review agent's tool to ask the customer a question through their chat.
    get_status        where the loan stands, while the workflow waits.

Running `run` twice for the same loan id starts one workflow (Restate's workflow semantics): one review, one
transfer, one repayment schedule.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import restate
from restate.exceptions import TerminalError

from resilient_agents import Settings, TypedSerde, handler

from .accounts import (
    REVIEW_SESSION,
    TEXT_SERDE,
    deposit,
    get_transactions,
    loan_payment,
    notify_customer,
    record_question,
    register_loan,
    update_loan,
    withdraw,
)
from .models import (
    BANK,
    HUMAN_REVIEW_THRESHOLD,
    InfoRequest,
    LoanDecision,
    LoanPayment,
    LoanQuestion,
    LoanRecord,
    LoanRequest,
    LoanReviewRequest,
    LoanStatusName,
    LoanStatusView,
    LoanUpdate,
    Reviewer,
    Transaction,
    TransactionHistory,
    repayment_interval,
)

log = logging.getLogger("resilient_agents_apps.loans")

workflow = restate.Workflow("LoanApprovalWorkflow", description="Loan approval: an agent or a person decides")

DECISION = "loan_decision"
DECISION_SERDE: TypedSerde[LoanDecision] = TypedSerde(LoanDecision)
REQUEST_SERDE: TypedSerde[LoanRequest | None] = TypedSerde(LoanRequest)
STATUS_SERDE: TypedSerde[LoanStatusName | None] = TypedSerde(LoanStatusName)
REVIEWER_SERDE: TypedSerde[Reviewer | None] = TypedSerde(Reviewer)


def review_brief(loan_id: str, request: LoanRequest, history: TransactionHistory) -> str:
    """The review agent's first message: the request and the history, and how to answer."""
    return (
        f"Loan approval workflow ID: {loan_id}. Review this loan and record your decision with on_loan_decision"
        " (approved true or false, with the reason).\n"
        f"Loan: {request.model_dump_json()}\n"
        f"Transaction history: {history.model_dump_json()}"
    )


def because(decision: LoanDecision) -> str:
    """The decision's reason for the customer's chat: its first line, kept short."""
    lines = decision.reason.strip().splitlines()
    return f" Reason: {lines[0][:300]}" if lines else ""


def human_review_hint(loan_id: str) -> str:
    """How a person decides, printed in the service log."""
    ingress = Settings.from_env().ingress_url
    return (
        f"loan {loan_id} needs a human decision: resilient-agents loans decide {loan_id} --approve (or --reject)"
        f" | curl {ingress}/LoanApprovalWorkflow/{loan_id}/on_loan_decision"
        ' --json \'{"approved": true, "reason": "..."}\''
    )


@handler(workflow, main=True)
async def run(ctx: restate.WorkflowContext, review: LoanReviewRequest) -> LoanDecision:
    """Review the loan, wait for the decision, move the money and schedule the repayments."""
    loan_id = ctx.key()
    request = review.loan_request
    customer = request.customer_id
    if customer == BANK:
        raise TerminalError("invalid request: loan_request.customer_id: the bank cannot borrow from itself", 400)
    reviewer: Reviewer = "agent" if request.loan_amount < HUMAN_REVIEW_THRESHOLD else "human"
    ctx.set("request", request, serde=REQUEST_SERDE)
    ctx.set("reviewer", reviewer, serde=REVIEWER_SERDE)
    ctx.set("status", "waiting_for_human" if reviewer == "human" else "in_review", serde=STATUS_SERDE)
    await ctx.object_call(
        register_loan, key=customer, arg=LoanRecord(loan_id=loan_id, request=request, reviewer=reviewer)
    )

    # 1. who decides
    if reviewer == "agent":
        history = review.transaction_history
        if history is None:
            history = await ctx.object_call(get_transactions, key=customer, arg=None)
        ctx.generic_send(REVIEW_SESSION, "run", TEXT_SERDE.dumps(review_brief(loan_id, request, history)), key=loan_id)
    else:

        def request_human_assessment() -> None:
            log.warning(human_review_hint(loan_id))

        await ctx.run_typed("request human assessment", request_human_assessment)
        notify_customer(
            ctx,
            customer,
            f"Loan {loan_id} of {request.loan_amount:,.2f} euros needs a decision by a loan officer;"
            " you will hear from us here.",
        )

    # 2. the decision: a durable promise, resolved by `on_loan_decision` (minutes or weeks later)
    decision = await ctx.promise(DECISION, serde=DECISION_SERDE).value()
    status: LoanStatusName = "approved" if decision.approved else "rejected"
    ctx.set("status", status, serde=STATUS_SERDE)
    if not decision.approved:
        await ctx.object_call(
            update_loan, key=customer, arg=LoanUpdate(loan_id=loan_id, status=status, reason=decision.reason)
        )
        notify_customer(ctx, customer, f"Loan {loan_id} was rejected.{because(decision)}")
        return decision

    # 3. the money: from the bank to the customer, each a call to an account (exactly once)
    timestamp = datetime.fromtimestamp(await ctx.time(), UTC).isoformat()
    transfer = Transaction(reason=f"Loan {loan_id}", amount=request.loan_amount, timestamp=timestamp)
    await ctx.object_call(withdraw, key=BANK, arg=transfer)
    await ctx.object_call(deposit, key=customer, arg=transfer)

    # 4. the repayments: the first in a month, each one schedules the next
    interval = repayment_interval()
    first_payment_ms = int(await ctx.time() * 1000) + int(interval.total_seconds() * 1000)
    update = LoanUpdate(loan_id=loan_id, status=status, reason=decision.reason, next_payment_at_ms=first_payment_ms)
    await ctx.object_call(update_loan, key=customer, arg=update)
    ctx.object_send(loan_payment, key=customer, arg=LoanPayment(loan_id=loan_id), send_delay=interval)
    notify_customer(
        ctx,
        customer,
        f"Loan {loan_id} was approved: {request.loan_amount:,.2f} euros are in your account.{because(decision)}",
    )
    return decision


@handler(workflow)
async def on_loan_decision(ctx: restate.WorkflowSharedContext, decision: LoanDecision) -> str:
    """Approve or reject this loan: record the loan decision with its reason."""
    request = await ctx.get("request", serde=REQUEST_SERDE)
    if request is None:
        raise TerminalError(f"no loan application {ctx.key()!r} is under review", 404)
    promise = ctx.promise(DECISION, serde=DECISION_SERDE)
    earlier = await promise.peek()
    if earlier is not None:
        verdict = "approved" if earlier.approved else "rejected"
        raise TerminalError(f"loan {ctx.key()} was already decided: {verdict}", 409)
    await promise.resolve(decision)
    return f"Loan {ctx.key()} {'approved' if decision.approved else 'rejected'}."


@handler(workflow)
async def request_info(ctx: restate.WorkflowSharedContext, question: InfoRequest) -> str:
    """Ask the applicant one question when essential facts are unclear; the reply comes later."""
    request = await ctx.get("request", serde=REQUEST_SERDE)
    if request is None:
        raise TerminalError(f"no loan application {ctx.key()!r} is under review", 404)
    if await ctx.promise(DECISION, serde=DECISION_SERDE).peek() is not None:
        raise TerminalError(f"loan {ctx.key()} is already decided", 409)
    await ctx.object_call(
        record_question, key=request.customer_id, arg=LoanQuestion(loan_id=ctx.key(), question=question.question)
    )
    return "The question was sent to the customer. Wait for their answer before you decide."


@handler(workflow)
async def get_status(ctx: restate.WorkflowSharedContext) -> LoanStatusView:
    """Where the loan stands: under review, waiting for a person or the customer, decided."""
    status: LoanStatusName | None = await ctx.get("status", serde=STATUS_SERDE)
    reviewer: Reviewer | None = await ctx.get("reviewer", serde=REVIEWER_SERDE)
    request: LoanRequest | None = await ctx.get("request", serde=REQUEST_SERDE)
    return LoanStatusView(
        loan_id=ctx.key(),
        status=status or "unknown",
        reviewer=reviewer,
        request=request,
        decision=await ctx.promise(DECISION, serde=DECISION_SERDE).peek(),
    )
