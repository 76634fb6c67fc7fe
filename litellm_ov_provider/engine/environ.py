"""The environment a worker process gets from the proxy that starts it."""

from __future__ import annotations

from collections.abc import Mapping

# What a worker may see: the runtime's own settings (OpenVINO, threading, GPU driver,
# locale, Python), never the master key, remote keys or the database URL.
_NAMES = frozenset(
    ("PATH", "HOME", "USER", "LOGNAME", "LANG", "TZ", "TMPDIR", "VIRTUAL_ENV", "LD_LIBRARY_PATH")
)
_PREFIXES = (
    *("LC_", "PYTHON", "XDG_"),  # locale, interpreter, desktop dirs
    *("OV_", "OPENVINO_", "OMP_", "KMP_", "TBB_", "ONEDNN_", "DNNL_"),  # runtime, threads
    *("ZE_", "NEO", "OCL_", "SYCL_"),  # Intel GPU driver
)
_SECRET_MARKERS = ("KEY", "SECRET", "TOKEN", "PASSWORD", "PASSWD", "CREDENTIAL", "DATABASE")


def worker_env(env: Mapping[str, str]) -> dict[str, str]:
    """An allowlist of `env`, minus any name that looks secret."""
    return {
        name: value
        for name, value in env.items()
        if (name in _NAMES or name.startswith(_PREFIXES))
        and not any(marker in name.upper() for marker in _SECRET_MARKERS)
    }
