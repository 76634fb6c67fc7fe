"""Which vendored llama.cpp server tests the front-door conformance lane runs.

Everything collected is SKIPPED unless it is listed in APPLY (a nodeid, or a
"file::function" meaning all its parametrizations). A skipped test gets the most
specific reason found in SKIP_CASES (exact nodeid), SKIP_FUNCS ("file::function")
or SKIP_FILES ("file"), checked in that order. ADAPTED names the applicable tests
whose assertions adapt.patch changes (see REPORT.md).
"""

# ---------------------------------------------------------------- the lane ----------
APPLY = {
    # test_basic.py
    "unit/test_basic.py::test_server_start_simple",
    "unit/test_basic.py::test_server_models",
    # test_chat_completion.py
    "unit/test_chat_completion.py::test_chat_completion[None-Book-Hey-8-But she couldn't-69-8-length-False-None]",
    'unit/test_chat_completion.py::test_chat_completion[None-Book-What is the best book-8-(Suddenly)+|\\\\{ " Sarax.-77-8-length-False-None]',
    "unit/test_chat_completion.py::test_chat_completion[codellama70b-You are a coding assistant.-Write the fibonacci function in c++.-128-(Aside|she|felter|alonger)+-104-128-length-False-None]",
    "unit/test_chat_completion.py::test_chat_completion[None-Book-user_prompt8-8-Whillicter-79-8-length-False-None]",
    "unit/test_chat_completion.py::test_chat_completion_stream",
    "unit/test_chat_completion.py::test_chat_completion_with_openai_library",
    'unit/test_chat_completion.py::test_completion_with_response_format[response_format2-10-"foooooo"]',
    "unit/test_chat_completion.py::test_completion_with_response_format[response_format3-10-(\\\\{|John)+]",
    "unit/test_chat_completion.py::test_completion_with_response_format[response_format4-0-None]",
    "unit/test_chat_completion.py::test_invalid_chat_completion_req[None]",
    "unit/test_chat_completion.py::test_invalid_chat_completion_req[string]",
    "unit/test_chat_completion.py::test_invalid_chat_completion_req[messages2]",
    "unit/test_chat_completion.py::test_invalid_chat_completion_req[messages3]",
    "unit/test_chat_completion.py::test_invalid_chat_completion_req[messages4]",
    "unit/test_chat_completion.py::test_invalid_chat_completion_req[messages5]",
    "unit/test_chat_completion.py::test_invalid_chat_completion_req[messages6]",
    "unit/test_chat_completion.py::test_logprobs",
    "unit/test_chat_completion.py::test_logprobs_stream",
    "unit/test_chat_completion.py::test_context_size_exceeded",
    "unit/test_chat_completion.py::test_context_size_exceeded_stream",
    "unit/test_chat_completion.py::test_chat_completions_multiple_choices",
    # test_completion.py (only the OpenAI /v1/completions cases)
    "unit/test_completion.py::test_completion_with_openai_library",
    "unit/test_completion.py::test_completion_stream_with_openai_library",
    "unit/test_completion.py::test_completion_stream_with_openai_library_stops",
    # test_tool_call.py
    "unit/test_tool_call.py::test_completion_without_tool_call_fast",
    # the four (tool x stream) combinations once: the other hf_repo/template rows only
    # change the backing model of a llama-server we do not start
    "unit/test_tool_call.py::test_completion_with_required_tool_real_model[tool0-success-bartowski/Meta-Llama-3.1-8B-Instruct-GGUF:Q4_K_M-None-CompletionMode.NORMAL]",
    "unit/test_tool_call.py::test_completion_with_required_tool_real_model[tool0-success-bartowski/Meta-Llama-3.1-8B-Instruct-GGUF:Q4_K_M-None-CompletionMode.STREAMED]",
    "unit/test_tool_call.py::test_completion_with_required_tool_real_model[tool1-code-bartowski/Meta-Llama-3.1-8B-Instruct-GGUF:Q4_K_M-None-CompletionMode.NORMAL]",
    "unit/test_tool_call.py::test_completion_with_required_tool_real_model[tool1-code-bartowski/Meta-Llama-3.1-8B-Instruct-GGUF:Q4_K_M-None-CompletionMode.STREAMED]",
    # test_security.py
    "unit/test_security.py::test_incorrect_api_key",
    "unit/test_security.py::test_openai_library_correct_api_key",
}

# tests whose assertions adapt.patch relaxes (function-level); details in REPORT.md
ADAPTED = {
    "unit/test_chat_completion.py::test_chat_completion": "system_fingerprint any non-empty string; usage counts > 0 and <= max_tokens instead of tinyllama's exact counts; finish_reason stop|length",
    "unit/test_chat_completion.py::test_chat_completion_stream": "model == served name; first chunk: role only required; usage via stream_options.include_usage; counts > 0",
    "unit/test_chat_completion.py::test_chat_completion_with_openai_library": "system_fingerprint any non-empty string",
    "unit/test_chat_completion.py::test_logprobs_stream": "first chunk may carry content (and its logprobs)",
    "unit/test_chat_completion.py::test_context_size_exceeded": "prompt x1000 (8k context), OpenAI error code context_length_exceeded instead of llama.cpp's exceed_context_size_error/n_ctx",
    "unit/test_chat_completion.py::test_context_size_exceeded_stream": "same as test_context_size_exceeded",
    "unit/test_completion.py::test_completion_with_openai_library": "system_fingerprint optional (OpenAI returns none on completions)",
    "unit/test_completion.py::test_completion_stream_with_openai_library_stops": "Phi-3.5 text regex -> stop strings absent from the output",
    "unit/test_security.py::test_incorrect_api_key": "OpenAI 401 shape (type invalid_request_error, code invalid_api_key) accepted besides llama.cpp's authentication_error",
}

# ---------------------------------------------------------------- reasons ----------
SKIP_FILES = {
    "unit/test_compat_anthropic.py": "Anthropic /v1/messages API: not part of the OpenAI front door contract",
    "unit/test_compat_gcp.py": "Vertex AI /predict adapter of llama-server (AIP_MODE)",
    "unit/test_compat_oai_responses.py": "OpenAI Responses API /v1/responses: not part of the front door contract",
    "unit/test_ctx_shift.py": "llama-server context shift (--context-shift, n_ctx per slot)",
    "unit/test_embedding.py": "needs an embedding model; the lane serves a chat model",
    "unit/test_ignore_eos.py": "native /completion generation_settings.logit_bias",
    "unit/test_infill.py": "/infill endpoint and an infill model",
    "unit/test_kv_keep_only_active.py": "llama-server KV cache management",
    "unit/test_lora.py": "/lora-adapters and LoRA files",
    "unit/test_mcp_servers.py": "llama-server MCP /tools integration",
    "unit/test_metrics.py": "llama.cpp Prometheus /metrics names (llamacpp:*)",
    "unit/test_proxy.py": "llama-server web UI MCP/CORS proxy",
    "unit/test_rerank.py": "/rerank and a reranker model",
    "unit/test_router.py": "llama-server router mode (model load/unload/download API)",
    "unit/test_sleep.py": "llama-server idle sleep (--sleep-idle-seconds)",
    "unit/test_slot_save.py": "/slots save/restore/erase",
    "unit/test_speculative.py": "speculative decoding with a draft model",
    "unit/test_stream.py": "llama-server router stream resume (/v1/stream, X-Conversation-Id)",
    "unit/test_template.py": "/apply-template and server-side chat template files",
    "unit/test_tokenize.py": "/tokenize and /detokenize",
    "unit/test_tools_builtin.py": "llama-server built-in tools (--tools)",
    "unit/test_vision_api.py": "needs a vision model (tinygemma3) and multimodal /completion",
}

SKIP_FUNCS = {
    # test_basic.py
    "unit/test_basic.py::test_server_multiple_addresses": "llama-server --host with several addresses / IPv6",
    "unit/test_basic.py::test_server_props": "/props",
    "unit/test_basic.py::test_server_slots": "/slots",
    "unit/test_basic.py::test_load_split_model": "loading a split GGUF + native /completion",
    "unit/test_basic.py::test_no_ui": "llama-server web UI (--no-ui)",
    "unit/test_basic.py::test_server_model_aliases_and_tags": "llama-server --alias/--tags fields in /models",
    # test_chat_completion.py
    "unit/test_chat_completion.py::test_chat_completion": "server-side chat template (--jinja/--chat-template) variant; the front door has one template per model",
    "unit/test_chat_completion.py::test_chat_completion_cached_tokens": "llama.cpp slot prompt-cache token counts (exact, tokenizer-specific)",
    "unit/test_chat_completion.py::test_chat_template": "__verbose prompt echo with --chat-template llama3",
    "unit/test_chat_completion.py::test_chat_template_assistant_prefill": "__verbose prompt echo with a Llama-3.1 template file",
    "unit/test_chat_completion.py::test_chat_template_continue_final_message_vllm_compat": "vLLM continue_final_message + __verbose prompt echo",
    "unit/test_chat_completion.py::test_chat_template_continue_final_message_mutual_exclusion": "vLLM/transformers add_generation_prompt/continue_final_message extension",
    "unit/test_chat_completion.py::test_apply_chat_template": "/apply-template",
    "unit/test_chat_completion.py::test_completion_with_response_format": "llama.cpp extension: a `schema` inside response_format json_object (OpenAI has none)",
    "unit/test_chat_completion.py::test_completion_with_json_schema": "llama.cpp extension: top-level `json_schema` request field",
    "unit/test_chat_completion.py::test_completion_with_grammar": "llama.cpp extension: GBNF `grammar` request field",
    "unit/test_chat_completion.py::test_completion_with_invalid_grammar": "llama.cpp extension: GBNF `grammar` request field",
    "unit/test_chat_completion.py::test_invalid_chat_completion_req": "llama.cpp-only rule (two trailing assistant messages); OpenAI accepts it",
    "unit/test_chat_completion.py::test_chat_completion_with_timings_per_token": "llama.cpp `timings` in stream chunks",
    "unit/test_chat_completion.py::test_logit_bias": "needs /tokenize to get tinyllama token ids",
    "unit/test_chat_completion.py::test_return_progress": "llama.cpp return_progress / prompt_progress events",
    "unit/test_chat_completion.py::test_chat_completions_token_count": "/chat/completions/input_tokens endpoint",
    "unit/test_chat_completion.py::test_verbose_debug": "llama.cpp `verbose` -> __verbose echo",
    # test_completion.py: everything else is llama.cpp's native /completion
    "unit/test_completion.py::test_completion": "native /completion (timings, truncated, tokens)",
    "unit/test_completion.py::test_completion_stream": "native /completion stream (stop, stop_type, generation_settings)",
    "unit/test_completion.py::test_completion_stream_vs_non_stream": "native /completion",
    "unit/test_completion.py::test_consistent_result_same_seed": "native /completion + n_slots server setting",
    "unit/test_completion.py::test_different_result_different_seed": "native /completion + n_slots server setting",
    "unit/test_completion.py::test_consistent_result_different_batch_size": "native /completion + n_batch server setting",
    "unit/test_completion.py::test_cache_vs_nocache_prompt": "native /completion cache_prompt (skipped upstream too)",
    "unit/test_completion.py::test_nocache_long_input_prompt": "native /completion, 512-token context of tinyllama preset",
    "unit/test_completion.py::test_json_prompt_no_mtmd": "native /completion JSON prompt (prompt_string)",
    "unit/test_completion.py::test_json_prompt_mtm_error_when_not_supported": "native /completion multimodal_data",
    "unit/test_completion.py::test_completion_with_tokens_input": "/tokenize + token-id prompts on native /completion",
    "unit/test_completion.py::test_completion_parallel_slots": "/slots busy state",
    "unit/test_completion.py::test_completion_unified": "--kv-unified shared context accounting",
    "unit/test_completion.py::test_completion_response_fields": "native response_fields projection",
    "unit/test_completion.py::test_n_probs": "native n_probs / completion_probabilities",
    "unit/test_completion.py::test_n_probs_stream": "native n_probs / completion_probabilities",
    "unit/test_completion.py::test_n_probs_post_sampling": "native post_sampling_probs",
    "unit/test_completion.py::test_n_probs_post_backend_sampling": "llama.cpp backend sampling",
    "unit/test_completion.py::test_logit_bias": "native /completion logit_bias formats (+ /tokenize)",
    "unit/test_completion.py::test_cancel_request": "/slots is_processing after a client timeout",
    "unit/test_completion.py::test_completion_prompt_cache": "native timings.cache_n (host-memory prompt cache)",
    # test_tool_call.py
    "unit/test_tool_call.py::test_completion_without_tool_call_slow": "same requests as the _fast variant; only the server template file differs",
    "unit/test_tool_call.py::test_completion_with_required_tool_real_model": "duplicate row: only the llama-server model/template differs (one row per tool x stream is run)",
    "unit/test_tool_call.py::test_weather": "model quality: asks a 1B-8B model to call a weather tool with tool_choice auto",
    "unit/test_tool_call.py::test_calc_result": "model quality: numeric answer from a tool result (1B-8B models)",
    "unit/test_tool_call.py::test_thoughts": "reasoning models + --reasoning-format server flag",
    "unit/test_tool_call.py::test_hello_world": "model quality: 1B-8B models writing print('hello world') with tool_choice auto",
    # test_security.py
    "unit/test_security.py::test_access_public_endpoint": "llama.cpp's public /health; LiteLLM's public probe is /health/liveliness",
    "unit/test_security.py::test_access_static_assets_without_api_key": "llama-server web UI assets",
    "unit/test_security.py::test_correct_api_key": "native /completions response (`content`)",
    "unit/test_security.py::test_correct_api_key_anthropic_header": "native /completions + X-Api-Key",
    "unit/test_security.py::test_cors_options": "llama-server CORS defaults",
    "unit/test_security.py::test_cors_origins_localhost_reflects": "llama-server --cors-origins",
    "unit/test_security.py::test_cors_origins_localhost_rejects": "llama-server --cors-origins",
    "unit/test_security.py::test_cors_origins_defaults_to_localhost_with_tools_enabled": "llama-server --tools CORS default",
    "unit/test_security.py::test_cors_proxy_only_forwards_explicit_proxy_headers": "/cors-proxy",
    "unit/test_security.py::test_local_media_file": "vision model + --media-path",
}

SKIP_CASES = {
    "unit/test_chat_completion.py::test_chat_completion[None-Book-Hey-8-But she couldn't-69-8-length-True-None]": "duplicate of the jinja=False case: --jinja is a llama-server flag",
    'unit/test_chat_completion.py::test_chat_completion[None-Book-What is the best book-8-(Suddenly)+|\\\\{ " Sarax.-77-8-length-True-None]': "duplicate of the jinja=False case: --jinja is a llama-server flag",
    "unit/test_chat_completion.py::test_chat_completion[codellama70b-You are a coding assistant.-Write the fibonacci function in c++.-128-(Aside|she|felter|alonger)+-104-128-length-True-None]": "duplicate of the jinja=False case: --jinja is a llama-server flag",
    "unit/test_chat_completion.py::test_chat_completion[None-Book-user_prompt9-8-Whillicter-79-8-length-True-None]": "duplicate of the jinja=False case: --jinja is a llama-server flag",
    "unit/test_chat_completion.py::test_completion_with_response_format[response_format5-0-None]": "llama.cpp extension: validation of a `schema` inside json_object",
    "unit/test_chat_completion.py::test_completion_with_response_format[response_format6-0-None]": "llama.cpp extension: validation of a `schema` inside json_object",
    "unit/test_chat_completion.py::test_completion_with_response_format[response_format7-0-None]": "llama.cpp extension: validation of a `schema` inside json_object",
}


def _func(nodeid: str) -> str:
    return nodeid.split("[", 1)[0]


def is_applicable(nodeid: str) -> bool:
    return nodeid in APPLY or _func(nodeid) in APPLY


def skip_reason(nodeid: str) -> str | None:
    """None for a test of the lane, else why it is skipped."""
    if is_applicable(nodeid):
        return None
    if nodeid in SKIP_CASES:
        return SKIP_CASES[nodeid]
    if _func(nodeid) in SKIP_FUNCS:
        return SKIP_FUNCS[_func(nodeid)]
    file = nodeid.split("::", 1)[0]
    if file in SKIP_FILES:
        return SKIP_FILES[file]
    return "not classified for the front door lane"
