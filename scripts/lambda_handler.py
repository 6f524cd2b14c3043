"""Every app as one AWS Lambda function (docs/production.md, "Serverless"); the function's handler is `handler`.

On Lambda (`AWS_LAMBDA_FUNCTION_NAME` is set there) `restate.app`, and so `build_app`, returns a Lambda handler
instead of an ASGI app. Register the published function version with Restate by its ARN. With `RA_IDENTITY_KEYS`
in the function's environment it accepts only requests signed by your restate-server.
"""

from __future__ import annotations

from resilient_agents import build_app
from resilient_agents.security import identity_keys_from_env
from resilient_agents_apps import all_services

handler = build_app(all_services(), identity_keys_from_env())
