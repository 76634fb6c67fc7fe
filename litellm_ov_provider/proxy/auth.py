"""Master-key auth for a proxy without a database.

LiteLLM alone answers a missing key with 500 (its error path imports the absent
`prisma` package) and a wrong key with 400 "No connected db.". Registered as
`general_settings.custom_auth`, this answers both with 401. The master key itself
goes back into LiteLLM's own flow unchanged, and with a database configured every
key does, so virtual keys keep working.
"""

from __future__ import annotations

from typing import Any

from ..core.wire import INVALID_KEY
from ..keys import key_matches
from . import internals


async def master_key_auth(request: Any, api_key: str | None) -> str:
    token = (api_key or "").removeprefix("Bearer ").strip()
    if internals.has_database():
        return token  # LiteLLM checks virtual keys against its database
    if key_matches(token, internals.master_key()):
        return token
    raise internals.auth_error(INVALID_KEY)
