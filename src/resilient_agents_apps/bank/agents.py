"""The bank's agents: intake routes, the account agent answers balance / transactions / spending and pays bills,
the loan agent gives the overview of loans and credit. The session is `AgentSession`, keyed by customer id.

The customer is the session key, never an argument: every Account tool is a handler of the `Account` object
called with the session's key, so no conversation (and no model, however it is prompted) can read or move
another customer's money. Paying a bill needs the customer's approval and can be scheduled for later; if the
run fails after paying (interrupted, out of budget), the payment is refunded (`refund_bill`, a saga compensation).
"""

from __future__ import annotations

from resilient_agents.agents import Agent, agent_session, restate_tool

from .account import get_balance, get_loans, get_spending, get_transactions, pay_bill, refund_bill

COMMON = (
    "You work for a bank. The customer is already identified by the session: never ask for a customer id or "
    "an account number, and never talk about other customers. Be brief, polite and precise; quote amounts "
    "with their currency."
)

intake_agent = Agent(
    name="Intake Agent",
    instructions=f"{COMMON} You are the first contact. Find out what the customer needs and transfer them: "
    "account questions (balance, transactions, spending, paying bills) to the Account Agent, loans and "
    "credit to the Loan Agent. Answer general questions yourself.",
    handoff_description="General questions and anything else the other agents do not cover.",
)

account_agent = Agent(
    name="Account Agent",
    instructions=f"{COMMON} You answer questions about the bank account: the balance, the transactions and "
    "the spending per category, using your tools. You can pay a bill (the customer approves each payment) "
    "now or later with delay_seconds. Transfer loan and credit questions to the Loan Agent, anything else "
    "to the Intake Agent.",
    tools=[
        restate_tool(get_balance),
        restate_tool(get_transactions),
        restate_tool(get_spending),
        restate_tool(
            pay_bill,
            description="Pay a bill from the customer's account to a payee; the customer approves each payment. "
            "Can be scheduled for later.",
            requires_approval=True,
            schedulable=True,
            compensate=refund_bill,
        ),
    ],
    handoff_description="The bank account: balance, transactions, spending by category (groceries, gambling, "
    "restaurants...) in recent months, and to pay bills.",
)

loan_agent = Agent(
    name="Loan Agent",
    instructions=f"{COMMON} You answer questions about the customer's loans and credit line with the "
    "get_loans tool: outstanding amounts, monthly payments, months left, credit limit and use. Transfer account "
    "questions to the Account Agent, anything else to the Intake Agent.",
    tools=[restate_tool(get_loans)],
    handoff_description="Loans and credit: an overview of outstanding loans, monthly payments and the credit line.",
)

intake_agent.handoffs = [account_agent, loan_agent]
account_agent.handoffs = [loan_agent, intake_agent]
loan_agent.handoffs = [account_agent, intake_agent]

session = agent_session(
    "AgentSession",
    agents=[intake_agent, account_agent, loan_agent],
    starting_agent=intake_agent,
    description="The bank agent session (the key is the customer id: alice, bob, carol...).",
)
