"""Every LiteLLM internal that litellm_ov_provider/proxy/internals.py reaches is still
there, in the shape we use it. An upgrade that removes or renames one fails here,
naming it, instead of in a running proxy."""

from __future__ import annotations

import inspect
import logging
from importlib import metadata
from types import SimpleNamespace

import pytest

from litellm_ov_provider.proxy import internals


def test_the_installed_litellm_is_the_one_the_internals_were_checked_against() -> None:
    installed = metadata.version("litellm")
    assert installed == internals.CHECKED_AGAINST, (
        f"litellm {installed} is installed; internals.py was checked against "
        f"{internals.CHECKED_AGAINST}: re-check each piece below, then update CHECKED_AGAINST"
    )


def test_the_proxy_module_globals_we_read_and_write() -> None:
    from litellm.proxy import proxy_server

    for name in ("llm_router", "master_key", "prisma_client", "general_settings", "app"):
        assert hasattr(proxy_server, name), f"proxy_server.{name} is gone"
    assert hasattr(proxy_server, "llm_model_list"), "/health no longer reads llm_model_list"
    assert hasattr(proxy_server.app, "middleware_stack"), "the app has no built middleware stack"


def test_the_router_methods_we_call_or_wrap() -> None:
    from litellm import Router

    def params(name: str) -> list[str]:
        return list(inspect.signature(getattr(Router, name)).parameters)

    assert "id" in params("delete_deployment")
    assert "model_name" in params("get_model_list")
    assert "model_id" in params("get_deployment")
    assert params("upsert_deployment")[1:] == ["deployment"]
    assert callable(Router.get_model_names)
    from litellm.types.router import Deployment  # upserts are built from it

    assert Deployment


def test_the_parsed_body_we_hand_over_is_the_one_litellm_reads() -> None:
    from litellm.proxy.common_utils.http_parsing_utils import _safe_get_request_parsed_body

    request = SimpleNamespace(scope={})
    internals.set_parsed_body(request.scope, {"model": "m", "messages": []})
    assert _safe_get_request_parsed_body(request) == {"model": "m", "messages": []}


def test_litellm_s_own_body_check_refuses_a_client_api_base() -> None:
    from litellm.proxy.auth.auth_utils import is_request_body_safe

    with pytest.raises(ValueError, match="api_base"):
        is_request_body_safe(
            {"model": "m", "api_base": "http://elsewhere"},
            {},
            None,
            "m",
            route="/v1/chat/completions",
        )


def test_the_custom_auth_error_is_a_401() -> None:
    error = internals.auth_error("no key")
    assert getattr(error, "code", None) in (401, "401") and error.message == "no key"  # type: ignore[attr-defined]


def test_the_names_litellm_uses_in_a_call_s_metadata_and_logs() -> None:
    import litellm.main
    import litellm.router
    from litellm._logging import verbose_proxy_logger
    from litellm.constants import LITTELM_INTERNAL_HEALTH_SERVICE_ACCOUNT_NAME
    from litellm.litellm_core_utils import health_check_helpers
    from litellm.proxy import litellm_pre_call_utils

    assert internals.HEALTH_TAG == LITTELM_INTERNAL_HEALTH_SERVICE_ACCOUNT_NAME
    assert '"tags": [LITTELM_INTERNAL_HEALTH_SERVICE_ACCOUNT_NAME]' in inspect.getsource(
        health_check_helpers
    )
    assert '["requester_ip_address"]' in inspect.getsource(litellm_pre_call_utils)
    assert '[metadata_variable_name]["model_group"]' in inspect.getsource(litellm.router)
    assert '"litellm_call_id": litellm_call_id' in inspect.getsource(litellm.main)
    assert verbose_proxy_logger is logging.getLogger(internals.PROXY_LOGGER)


def test_the_hooks_we_define_are_litellm_s_hook_names() -> None:
    from litellm.integrations.custom_logger import CustomLogger
    from litellm.llms.custom_llm import CustomLLM

    for hook in ("async_pre_call_hook", "async_post_call_response_headers_hook"):
        assert hook in vars(CustomLogger), f"CustomLogger.{hook} is gone"
    for call in ("acompletion", "astreaming", "aembedding"):
        assert call in vars(CustomLLM), f"CustomLLM.{call} is gone"


def test_a_text_completion_and_allowed_params_reach_a_custom_provider() -> None:
    """LiteLLM marks a /v1/completions call in the provider's litellm_params, and takes
    `allowed_openai_params` as a call's own list of params to let through."""
    from litellm.litellm_core_utils.get_litellm_params import get_litellm_params
    from litellm.utils import get_optional_params

    assert internals.is_text_completion(get_litellm_params(text_completion=True))
    assert not internals.is_text_completion(get_litellm_params())
    assert "allowed_openai_params" in inspect.signature(get_optional_params).parameters
    call: dict[str, object] = {"allowed_openai_params": ["x"]}
    internals.let_through(call)
    assert call["allowed_openai_params"] == ["x", *internals.UNLISTED_OPENAI_PARAMS]


def test_the_config_path_settings_store_and_redis_pieces_we_reach() -> None:
    from litellm.caching.redis_cache import RedisCache, RedisCircuitBreaker
    from litellm.proxy import proxy_server
    from litellm.proxy.config_resolvers.settings_store import SettingsStore

    for name in ("user_config_file_path", "redis_usage_cache"):
        assert hasattr(proxy_server, name), f"proxy_server.{name} is gone"
    # general_settings becomes a SettingsStore once bound: read as a Mapping.
    from collections.abc import Mapping

    assert issubclass(SettingsStore, Mapping)
    breaker = RedisCircuitBreaker(failure_threshold=1, recovery_timeout=60)
    for name in ("_state", "_set_state", "record_success", "CLOSED", "HALF_OPEN", "OPEN"):
        assert hasattr(breaker, name), f"RedisCircuitBreaker.{name} is gone"
    breaker.record_failure()
    assert breaker._state == breaker.OPEN  # a failure opens it (threshold 1)
    breaker._set_state(breaker.HALF_OPEN)
    breaker.record_success()
    assert breaker._state == breaker.CLOSED  # how redis_came_back closes it
    init = inspect.getsource(RedisCache.__init__)
    assert "_circuit_breaker" in init and "async_redis_conn_pool" in init
