"""The request paths the middlewares recognise before routing (the limits, the request log and
metrics, the exec fast path), written once so they cannot drift apart from each other."""

from __future__ import annotations

import re

ATTEMPT_ID = r"(?P<id>[A-Za-z0-9_-]{1,64})"
EXEC_PATH = re.compile(rf"^/api/attempts/{ATTEMPT_ID}/exec/?$")
ANSWER_PATH = re.compile(rf"^/(?:api/)?attempts/{ATTEMPT_ID}/answer/?$")
START_PATH = re.compile(r"^/api/attempts/?$|^/scenarios/[^/]+/start/?$")
