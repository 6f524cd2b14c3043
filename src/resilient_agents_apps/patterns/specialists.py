"""The support specialists the routing services share, and sample tickets for the playground and the CLI."""

from __future__ import annotations

from resilient_agents.patterns import Specialist

BILLING = Specialist(
    name="billing",
    description="charges, invoices, refunds, payment methods, plans and prices",
    instructions=(
        "You are a billing support specialist. Acknowledge the billing issue, explain the charges clearly, "
        "list the next steps with timelines, and end with payment options if relevant. Be professional."
    ),
)
ACCOUNT = Specialist(
    name="account",
    description="logging in, passwords, account access, security, profile settings",
    instructions=(
        "You are an account security specialist. Prioritize account security, give clear steps for account "
        "recovery or changes, and include security tips and warnings. Set expectations for resolution time."
    ),
)
PRODUCT = Specialist(
    name="product",
    description="features, how to use the product, best practices, feature requests",
    instructions=(
        "You are a product specialist. Focus on feature education and best practices, include specific "
        "examples of usage, and suggest related features that might help."
    ),
)
TECHNICAL = Specialist(
    name="technical",
    description="errors, bugs, crashes, integrations, performance problems",
    instructions=(
        "You are a technical support engineer. List exact troubleshooting steps, note system requirements, "
        "give workarounds for common problems, and say when to escalate."
    ),
)
SUPPORT_SPECIALISTS = [BILLING, ACCOUNT, PRODUCT, TECHNICAL]

TICKETS = [
    "Subject: Locked out of my account\nI have tried to log in to my account for an hour and it keeps saying my "
    "password is wrong. I need access today to send a report. - Jonas (jonas@example.com)",
    "Subject: Billing question about a double charge\nMy card was charged twice for this month's plan. Can the "
    "second charge be refunded? - Maria",
    "Subject: Exporting reports from the product\nHow do I export my dashboards as PDF? Is there a product "
    "feature for scheduled exports? - Lee",
]
