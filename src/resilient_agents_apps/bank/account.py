"""The `Account` virtual object: one per customer (the key), with balance, transactions, loans and a credit line.

Reads are shared handlers, so the agent's parallel tool calls on one account do not queue behind each other.
Demo data: alice, bob and carol have hand-made profiles (alice gambled a little last month, bob never, carol a
lot); any other key gets a generated one. Until the first write the data is computed from the customer id and
today's date (a shared handler cannot write); the first write (`pay_bill`) stores it in the object's state,
where the Restate UI shows it.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Literal

import restate
from pydantic import BaseModel, Field

from resilient_agents import RequestModel, TypedSerde, handler
from resilient_agents.agents import CompensationRequest

account = restate.VirtualObject("Account", description="A bank customer's account (the key is the customer id).")

Category = Literal["all", "gambling", "groceries", "restaurants", "rent", "utilities", "travel", "shopping", "bills"]
Period = Literal["last_month", "this_month", "last_3_months"]


class Transaction(BaseModel):
    date: str
    """YYYY-MM-DD."""
    description: str
    amount: float
    """Negative for money going out."""
    category: str


class Loan(BaseModel):
    id: str
    purpose: str
    amount: float
    months: int
    months_left: int
    monthly_payment: float
    outstanding: float
    approved: bool = True
    reason: str = ""


class CreditLine(BaseModel):
    limit: float
    used: float

    @property
    def available(self) -> float:
        return round(self.limit - self.used, 2)


class AccountData(BaseModel):
    customer_id: str
    name: str
    currency: str = "EUR"
    balance: float
    transactions: list[Transaction] = Field(default_factory=list)
    loans: list[Loan] = Field(default_factory=list)
    credit: CreditLine = Field(default_factory=lambda: CreditLine(limit=1000, used=0))


class Balance(BaseModel):
    customer_id: str
    balance: float
    currency: str


class SpendingQuery(RequestModel):
    category: Category = "gambling"
    """The spending category, or "all"."""
    period: Period = "last_month"
    """last_month (the previous calendar month), this_month or last_3_months."""


class Spending(BaseModel):
    category: str
    period: str
    start: str
    end: str
    total_spent: float
    currency: str
    transactions: list[Transaction]


class LoanOverview(BaseModel):
    loans: list[Loan]
    total_outstanding: float
    total_monthly_payments: float
    credit_limit: float
    credit_used: float
    credit_available: float
    currency: str


class PaymentRequest(RequestModel):
    payee: str = "Electricity company"
    amount: float = Field(default=50.0, gt=0, le=100_000)


class PaymentReceipt(BaseModel):
    payee: str
    amount: float
    new_balance: float
    date: str


ACCOUNT: TypedSerde[AccountData | None] = TypedSerde(AccountData)
STATE_KEY = "account"

# --- demo data --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Profile:
    name: str
    balance: float
    gambling: tuple[tuple[float, str], ...]
    """Last month's bets: (amount, where)."""


_PROFILES = {
    "alice": _Profile("Alice Martin", 4250.40, ((-35.0, "Lucky Spins Casino"), (-80.0, "BetFast"))),
    "bob": _Profile("Bob Jansen", 12890.00, ()),
    "carol": _Profile("Carol Dupont", 310.25, ((-150.0, "BetFast"), (-220.0, "Poker Palace"), (-95.5, "BetFast"))),
}


def _month_start(day: date, months_back: int) -> date:
    year, month = day.year, day.month - months_back
    while month <= 0:
        month, year = month + 12, year - 1
    return date(year, month, 1)


def demo_account(customer_id: str, today: date) -> AccountData:
    """The demo account of `customer_id` as of `today` (deterministic)."""
    profile = _PROFILES.get(customer_id)
    rng = random.Random(customer_id)
    name = profile.name if profile else customer_id.title()
    balance = profile.balance if profile else round(rng.uniform(200, 9000), 2)
    transactions: list[Transaction] = []
    for back in (3, 2, 1, 0):
        start = _month_start(today, back)

        def on(day: int, start: date = start) -> str:
            return start.replace(day=min(day, 28)).isoformat()

        entries = [
            (1, 3200.0 if customer_id != "carol" else 1900.0, "Salary", "salary"),
            (2, -1150.0, "Rent", "rent"),
            (6, -round(rng.uniform(60, 110), 2), "Supermarket", "groceries"),
            (13, -round(rng.uniform(60, 110), 2), "Supermarket", "groceries"),
            (17, -round(rng.uniform(25, 70), 2), "Trattoria", "restaurants"),
            (21, -round(rng.uniform(40, 90), 2), "Power & Water", "utilities"),
        ]
        if back == 1:
            gambling = profile.gambling if profile else ((-round(rng.uniform(10, 60), 2), "BetFast"),)
            entries += [(9 + 5 * i, amount, shop, "gambling") for i, (amount, shop) in enumerate(gambling)]
        if back == 2 and customer_id == "carol":
            entries.append((11, -300.0, "Poker Palace", "gambling"))
        for day, amount, description, category in entries:
            when = on(day)
            if when <= today.isoformat():
                transactions.append(Transaction(date=when, description=description, amount=amount, category=category))
    transactions.sort(key=lambda t: t.date)
    loans = {
        "alice": [Loan(id="L-1001", purpose="Car purchase", amount=10000, months=36, months_left=24,
                       monthly_payment=298.0, outstanding=6920.0, reason="Good credit score, no risky spending")],
        "bob": [Loan(id="L-2001", purpose="Mortgage", amount=250000, months=300, months_left=240,
                     monthly_payment=1120.0, outstanding=198400.0, reason="Stable income")],
        "carol": [Loan(id="L-3001", purpose="Personal loan", amount=3000, months=12, months_left=5,
                       monthly_payment=265.0, outstanding=1310.0, reason="Approved before recent gambling")],
    }.get(customer_id, [])  # fmt: skip
    credit = {"alice": (2000.0, 450.0), "bob": (5000.0, 0.0), "carol": (1000.0, 940.0)}.get(customer_id, (1000.0, 0.0))
    return AccountData(
        customer_id=customer_id,
        name=name,
        balance=balance,
        transactions=transactions,
        loans=loans,
        credit=CreditLine(limit=credit[0], used=credit[1]),
    )


async def _today(ctx: restate.Context) -> date:
    return datetime.fromtimestamp(await ctx.time(), UTC).date()


async def load(ctx: restate.ObjectContext | restate.ObjectSharedContext) -> tuple[AccountData, date]:
    """The stored account, or the demo account until the first write."""
    today = await _today(ctx)
    stored = await ctx.get(STATE_KEY, serde=ACCOUNT)
    return (stored or demo_account(ctx.key(), today)), today


def period_range(period: Period, today: date) -> tuple[date, date]:
    """First and last day (inclusive) of a period."""
    if period == "this_month":
        return _month_start(today, 0), today
    if period == "last_3_months":
        return _month_start(today, 3), _month_start(today, 0) - timedelta(days=1)
    return _month_start(today, 1), _month_start(today, 0) - timedelta(days=1)


# --- handlers (the agent's tools) -------------------------------------------------------------------------------


@handler(account, kind="shared")
async def get_balance(ctx: restate.ObjectSharedContext) -> Balance:
    """The current balance of the customer's account."""
    data, _ = await load(ctx)
    return Balance(customer_id=data.customer_id, balance=data.balance, currency=data.currency)


@handler(account, kind="shared")
async def get_transactions(ctx: restate.ObjectSharedContext) -> list[Transaction]:
    """The customer's recent transactions, newest first: date, description, amount and category."""
    data, _ = await load(ctx)
    return list(reversed(data.transactions))[:30]


@handler(account, kind="shared")
async def get_spending(ctx: restate.ObjectSharedContext, query: SpendingQuery) -> Spending:
    """How much the customer spent in one category (gambling, groceries, restaurants, rent...) last month,
    this month or over the last 3 months."""
    data, today = await load(ctx)
    start, end = period_range(query.period, today)
    chosen = [
        t
        for t in data.transactions
        if t.amount < 0 and start.isoformat() <= t.date <= end.isoformat()
        and (query.category == "all" or t.category == query.category)
    ]  # fmt: skip
    return Spending(
        category=query.category,
        period=query.period,
        start=start.isoformat(),
        end=end.isoformat(),
        total_spent=round(-sum(t.amount for t in chosen), 2),
        currency=data.currency,
        transactions=chosen,
    )


@handler(account, kind="shared")
async def get_loans(ctx: restate.ObjectSharedContext) -> LoanOverview:
    """An overview of the customer's outstanding loans and credit: each loan's outstanding amount, monthly
    payment and remaining term, and the credit line's limit and use."""
    data, _ = await load(ctx)
    return LoanOverview(
        loans=data.loans,
        total_outstanding=round(sum(loan.outstanding for loan in data.loans), 2),
        total_monthly_payments=round(sum(loan.monthly_payment for loan in data.loans), 2),
        credit_limit=data.credit.limit,
        credit_used=data.credit.used,
        credit_available=data.credit.available,
        currency=data.currency,
    )


@handler(account)
async def pay_bill(ctx: restate.ObjectContext, payment: PaymentRequest) -> PaymentReceipt:
    """Pay a bill from the customer's account to a payee."""
    data, today = await load(ctx)
    if payment.amount > data.balance + data.credit.available:
        raise restate.TerminalError(
            f"insufficient funds: {payment.amount:.2f} is more than the balance {data.balance:.2f}"
            f" plus available credit {data.credit.available:.2f}",
            status_code=409,
        )
    data.balance = round(data.balance - payment.amount, 2)
    data.transactions.append(
        Transaction(date=today.isoformat(), description=payment.payee, amount=-payment.amount, category="bills")
    )
    ctx.set(STATE_KEY, data, serde=ACCOUNT)
    return PaymentReceipt(payee=payment.payee, amount=payment.amount, new_balance=data.balance, date=today.isoformat())


@handler(account, ingress_private=True)
async def refund_bill(ctx: restate.ObjectContext, undo: CompensationRequest[PaymentRequest, PaymentReceipt]) -> Balance:
    """The compensation of `pay_bill`: when the agent's run fails after paying (it was interrupted, or ran out of
    budget), the payment is refunded. Only Restate calls it (ingress-private): no client can refund itself."""
    data, today = await load(ctx)
    data.balance = round(data.balance + undo.result.amount, 2)
    data.transactions.append(
        Transaction(
            date=today.isoformat(),
            description=f"Refund: {undo.result.payee}",
            amount=undo.result.amount,
            category="refund",
        )
    )
    ctx.set(STATE_KEY, data, serde=ACCOUNT)
    return Balance(customer_id=data.customer_id, balance=data.balance, currency=data.currency)
