"""`LoanAccount`: one bank account per key (a customer id, or `TrustworthyBank`), with the loans it holds.

Money moves only through handlers that are private to Restate (the loan workflow and scheduled repayments call
them; the ingress cannot): `deposit`, `withdraw`, `register_loan`, `update_loan`, `record_question`,
`loan_payment`. The chat agent's tools are the public ones, and act for the session's customer only (the key):
`get_balance`, `get_transactions`, `get_loan_status`, `apply_for_loan`, `answer_reviewer`.

A customer's account opens with a history made up from their id (the same every time), so the review agent has
something to read.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import restate
from pydantic import BaseModel, Field, ValidationError
from restate.exceptions import TerminalError

from resilient_agents import TypedSerde, handler
from resilient_agents.agents import NotifyRequest

from .models import (
    BANK,
    HUMAN_REVIEW_THRESHOLD,
    Balance,
    CustomerLoans,
    Loan,
    LoanAnswer,
    LoanApplication,
    LoanPayment,
    LoanQuestion,
    LoanRecord,
    LoanRequest,
    LoanReviewRequest,
    LoanStatusName,
    LoanSubmitted,
    LoanUpdate,
    Transaction,
    TransactionHistory,
    cents,
    monthly_payment,
    repayment_interval,
)

CHAT_SESSION = "LoanAgent"
REVIEW_SESSION = "LoanReviewAgent"
WORKFLOW = "LoanApprovalWorkflow"
BANK_OPENING_BALANCE = 1_000_000_000.0

account = restate.VirtualObject("LoanAccount", description="Bank accounts and the loans they hold (key: customer id)")


class AccountState(BaseModel):
    """Everything one account keeps (state key "account")."""

    balance: float = 0.0
    transactions: list[Transaction] = Field(default_factory=list)
    loans: list[Loan] = Field(default_factory=list)

    def loan(self, loan_id: str) -> Loan:
        for loan in self.loans:
            if loan.loan_id == loan_id:
                return loan
        raise TerminalError(f"no loan {loan_id!r} on this account", 404)

    def book(self, reason: str, amount: float, timestamp: str) -> None:
        self.balance = cents(self.balance + amount)
        self.transactions = [*self.transactions, Transaction(reason=reason, amount=cents(amount), timestamp=timestamp)]


STATE_SERDE: TypedSerde[AccountState] = TypedSerde(AccountState)
TEXT_SERDE: TypedSerde[str] = TypedSerde(str)
_SPENDING = (
    ("Rent", 850.0, 1250.0),
    ("Groceries", 40.0, 180.0),
    ("Electricity", 45.0, 90.0),
    ("Restaurant", 20.0, 95.0),
    ("Online shopping", 15.0, 240.0),
    ("Gambling", 50.0, 400.0),
)


def opening_state(key: str) -> AccountState:
    """The made-up starting point of an account: the same for the same key."""
    if key == BANK:
        return AccountState(balance=BANK_OPENING_BALANCE)
    rng = random.Random(f"loan-account:{key}")
    state = AccountState(balance=round(rng.uniform(500, 5000), 2))
    day = datetime(2026, 1, 1, tzinfo=UTC)
    for month in range(3):
        first = day + timedelta(days=30 * month)
        state.book("Salary", round(rng.uniform(2200, 4800), 2), first.isoformat())
        for i, (reason, low, high) in enumerate(rng.sample(_SPENDING, 4)):
            state.book(reason, -round(rng.uniform(low, high), 2), (first + timedelta(days=3 + 5 * i)).isoformat())
    return state


async def load(ctx: restate.ObjectContext | restate.ObjectSharedContext) -> AccountState:
    return await ctx.get("account", serde=STATE_SERDE) or opening_state(ctx.key())


def save(ctx: restate.ObjectContext, state: AccountState) -> None:
    ctx.set("account", state, serde=STATE_SERDE)


async def now_iso(ctx: restate.Context) -> str:
    return datetime.fromtimestamp(await ctx.time(), UTC).isoformat()


def notify_customer(ctx: restate.Context, customer_id: str, message: str, source: str = "loans") -> None:
    """An asynchronous message in the customer's chat session (no model call)."""
    body = NotifyRequest(message=message, source=source).model_dump_json().encode()
    ctx.generic_send(CHAT_SESSION, "notify", body, key=customer_id)


# --- the chat agent's tools (public, keyed by the session's customer) ---------------------------------------------


@handler(account, kind="shared")
async def get_balance(ctx: restate.ObjectSharedContext) -> Balance:
    """The balance of the customer's bank account."""
    return Balance(customer_id=ctx.key(), balance=(await load(ctx)).balance)


@handler(account, kind="shared")
async def get_transactions(ctx: restate.ObjectSharedContext) -> TransactionHistory:
    """The transactions on the customer's bank account (income and spending), oldest first."""
    return TransactionHistory(customer_id=ctx.key(), transactions=(await load(ctx)).transactions)


@handler(account, kind="shared")
async def get_loan_status(ctx: restate.ObjectSharedContext) -> CustomerLoans:
    """The status of the customer's loans: approved or not, payments made, amount still open."""
    return CustomerLoans(customer_id=ctx.key(), loans=(await load(ctx)).loans)


@handler(account)
async def apply_for_loan(ctx: restate.ObjectContext, application: LoanApplication) -> LoanSubmitted:
    """Apply for credit: start a new application for the customer (a loan; the decision comes later)."""
    customer = ctx.key()
    if customer == BANK:
        raise TerminalError("the bank cannot lend to itself", 400)
    state = await load(ctx)
    loan_id = f"{customer}-loan-{len(state.loans) + 1}"
    try:
        request = LoanRequest(
            customer_id=customer,
            loan_amount=application.amount,
            loan_duration_months=application.months,
            purpose=application.purpose,
        )
    except ValidationError:
        # a session key can be any string; a customer id cannot: refuse once instead of retrying for ever
        raise TerminalError(f"{customer!r} cannot hold a loan: use 1-64 letters, digits, '-' or '_'", 400) from None
    state.loans = [
        *state.loans,
        Loan(loan_id=loan_id, amount=request.loan_amount, months=request.loan_duration_months, purpose=request.purpose),
    ]
    save(ctx, state)
    history = TransactionHistory(customer_id=customer, transactions=state.transactions)
    review = LoanReviewRequest(loan_request=request, transaction_history=history)
    ctx.generic_send(WORKFLOW, "run", review.model_dump_json().encode(), key=loan_id)
    who = "a loan officer" if request.loan_amount >= HUMAN_REVIEW_THRESHOLD else "our review agent"
    return LoanSubmitted(
        loan_id=loan_id,
        status="submitted",
        message=f"Loan {loan_id} of {request.loan_amount:,.2f} euros over {request.loan_duration_months} months"
        f" was submitted; {who} will decide and the decision will appear in this chat.",
    )


@handler(account)
async def answer_reviewer(ctx: restate.ObjectContext, answer: LoanAnswer) -> str:
    """Pass the customer's answer on to the reviewer who asked them something."""
    if not answer.answer.strip():
        raise TerminalError("invalid request: answer: must not be empty", 400)
    state = await load(ctx)
    waiting = [loan for loan in state.loans if loan.open_question]
    if not waiting:
        return "No loan reviewer is waiting for an answer from you."
    loan = waiting[-1]
    message = (
        f"The customer responded to your query ({loan.open_question}): {answer.answer}\n"
        "Record your decision on this loan with on_loan_decision."
    )
    ctx.generic_send(REVIEW_SESSION, "run", TEXT_SERDE.dumps(message), key=loan.loan_id)
    loan.open_question, loan.status = None, "in_review"
    save(ctx, state)
    return f"Your answer was passed to the reviewer of loan {loan.loan_id}."


# --- private: money and loan bookkeeping (the workflow and the scheduler call these) -------------------------------


@handler(account, ingress_private=True)
async def deposit(ctx: restate.ObjectContext, transaction: Transaction) -> Balance:
    """Credit the account."""
    state = await load(ctx)
    state.book(transaction.reason, abs(transaction.amount), transaction.timestamp)
    save(ctx, state)
    return Balance(customer_id=ctx.key(), balance=state.balance)


@handler(account, ingress_private=True)
async def withdraw(ctx: restate.ObjectContext, transaction: Transaction) -> Balance:
    """Debit the account; refused (terminal) when the balance does not cover it."""
    state = await load(ctx)
    if state.balance < abs(transaction.amount):
        raise TerminalError(f"insufficient funds on {ctx.key()}: {state.balance:,.2f} euros", 409)
    state.book(transaction.reason, -abs(transaction.amount), transaction.timestamp)
    save(ctx, state)
    return Balance(customer_id=ctx.key(), balance=state.balance)


@handler(account, ingress_private=True)
async def register_loan(ctx: restate.ObjectContext, record: LoanRecord) -> Loan:
    """Record a loan under review (creating it when it was submitted straight to the workflow)."""
    state = await load(ctx)
    status: LoanStatusName = "waiting_for_human" if record.reviewer == "human" else "in_review"
    found = next((loan for loan in state.loans if loan.loan_id == record.loan_id), None)
    if found is None:
        found = Loan(
            loan_id=record.loan_id,
            amount=record.request.loan_amount,
            months=record.request.loan_duration_months,
            purpose=record.request.purpose,
        )
        state.loans = [*state.loans, found]
    found.status, found.reviewer = status, record.reviewer
    save(ctx, state)
    return found


@handler(account, ingress_private=True)
async def update_loan(ctx: restate.ObjectContext, update: LoanUpdate) -> Loan:
    """The decision (or any later status) of a loan."""
    state = await load(ctx)
    loan = state.loan(update.loan_id)
    loan.status = update.status
    loan.open_question = None
    if update.reason:
        loan.decision_reason = update.reason
    if update.status == "approved":
        loan.monthly_payment = monthly_payment(loan.amount, loan.months)
        loan.next_payment_at_ms = update.next_payment_at_ms
    save(ctx, state)
    return loan


@handler(account, ingress_private=True)
async def record_question(ctx: restate.ObjectContext, question: LoanQuestion) -> Loan:
    """Keep the reviewer's question on the loan and ask the customer in their chat."""
    state = await load(ctx)
    loan = state.loan(question.loan_id)
    loan.open_question, loan.status = question.question, "waiting_for_customer"
    save(ctx, state)
    notify_customer(
        ctx,
        ctx.key(),
        f"The reviewer of loan {loan.loan_id} asks: {question.question} (answer here in the chat)",
        source="loan review",
    )
    return loan


@handler(account, ingress_private=True)
async def loan_payment(ctx: restate.ObjectContext, payment: LoanPayment) -> Loan:
    """One monthly repayment: customer to bank, then the next one is scheduled until the loan is repaid."""
    state = await load(ctx)
    loan = state.loan(payment.loan_id)
    if loan.status != "approved":
        return loan
    timestamp = await now_iso(ctx)
    installment = min(loan.monthly_payment, cents(loan.monthly_payment * loan.months - loan.repaid))
    reason = f"Loan repayment {loan.loan_id} ({loan.payments_made + 1}/{loan.months})"
    # the bank's side first: if it failed terminally the customer's account is left untouched
    await ctx.object_call(deposit, key=BANK, arg=Transaction(reason=reason, amount=installment, timestamp=timestamp))
    state.book(reason, -installment, timestamp)
    loan.payments_made += 1
    loan.repaid = cents(loan.repaid + installment)
    if loan.payments_made >= loan.months:
        loan.status, loan.next_payment_at_ms = "repaid", None
        notify_customer(ctx, ctx.key(), f"Loan {loan.loan_id} is fully repaid. Thank you!")
    else:
        interval = repayment_interval()
        loan.next_payment_at_ms = int(await ctx.time() * 1000) + int(interval.total_seconds() * 1000)
        ctx.object_send(loan_payment, ctx.key(), LoanPayment(loan_id=loan.loan_id), send_delay=interval)
    save(ctx, state)
    return loan
