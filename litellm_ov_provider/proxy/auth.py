"""Master-key auth for a proxy without a database.

LiteLLM alone answers a missing key with 500 (its error path imports the absent
`prisma` package) and a wrong key with 400 "No connected db.". Registered as
`general_settings.custom_auth`, this answers both with 401. The master key itself
goes back into LiteLLM's own flow unchanged, and with a database configured every
key does, so virtual keys keep working.
"""

from __future__ import annotations

from typing import Any

from litellm.proxy._types import ProxyException

from ..keys import key_matches
from . import internals as litellm_proxy

MISSING_KEY = "Invalid or missing API key. Send the proxy's master key as a Bearer token."


async def master_key_auth(request: Any, api_key: str | None) -> str:
    token = (api_key or "").removeprefix("Bearer ").strip()
    if litellm_proxy.has_database():
        return token  # LiteLLM checks virtual keys against its database
    master = litellm_proxy.master_key()
    if key_matches(token, master):
        return token
    raise ProxyException(
        message=MISSING_KEY,
        type="authentication_error",
        param="Authorization",
        code=401,
    )
