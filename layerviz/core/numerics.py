"""The numeric environment: what decides the float round-off, and sometimes the
answer, of a layer besides Keras and its backend's version.

- The device: the CPU model and its instruction sets (TensorFlow turns oneDNN on by
  itself on CPUs with AVX512_VNNI, AVX512_BF16, AVX_VNNI or AMX, and oneDNN computes
  NCHW and dilated transposed convolutions that TensorFlow's own CPU kernels refuse),
  or the GPUs the backend sees.
- The backend's switches: oneDNN and TF32 on TensorFlow; the CPU capability and the
  TF32 flags on torch; the default matmul precision on JAX.
- The threads a layer's kernels split their work over: TensorFlow's Conv2DTranspose
  rounds differently on 1 and 2 threads (a level in a few pixels), so a machine with
  other cores can move a picture without any other change.
- Environment variables that change kernels (`NUMERIC_VARIABLES`).

`pin("strict")` turns TF32 off on the running backend, as Keras's own tests do on GPUs
(TF32 rounds inputs to 10 mantissa bits: relative errors of 1e-4 to 1e-3, beyond the
statistics' rtol); `pin("native")` leaves the backend's defaults. Either returns the
`record()` of what is then in force, read back, for a baseline set's MANIFEST.json;
`differences()` says, in words, how two records differ.
"""

from __future__ import annotations

import os
import platform
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import Any

MODES = ("strict", "native")
DEFAULT_MODE = "strict"
# Environment variables that change which kernels run, or how they round, beyond
# what the backends' switches read back (oneDNN on or off, torch's CPU capability).
NUMERIC_VARIABLES = (
    "TF_SET_ONEDNN_FPMATH_MODE",
    "ONEDNN_MAX_CPU_ISA",
    "ONEDNN_DEFAULT_FPMATH_MODE",
    "NVIDIA_TF32_OVERRIDE",
    "XLA_FLAGS",
    "TF_NUM_INTRAOP_THREADS",
    "OMP_NUM_THREADS",
)
# CPU flags (Linux /proc/cpuinfo) that decide which kernels oneDNN, XLA and ATen pick.
KERNEL_FEATURES = (
    "avx2", "fma", "avx512f", "avx512_vnni", "avx512_bf16", "avx512_fp16", "avx_vnni",
    "amx_tile", "amx_bf16", "amx_int8", "asimd", "sve", "sve2", "bf16", "i8mm",
)  # fmt: skip


class NumericsError(ValueError):
    """An unknown numerics mode; the message lists the known ones."""


def check_mode(mode: str) -> str:
    if mode not in MODES:
        raise NumericsError(f"unknown numerics {mode!r}; choose {' or '.join(MODES)}")
    return mode


def pin(mode: str = DEFAULT_MODE) -> dict[str, Any]:
    """Set the running backend's float32 precision for this process, and return the
    record of what is then in force: "strict" turns TF32 and reduced-precision matmuls
    off; "native" leaves the backend's defaults."""
    check_mode(mode)
    if mode == "strict":
        import keras

        _STRICT[keras.backend.backend()]()
    return record(mode)


def _strict_tensorflow() -> None:
    import tensorflow as tf

    tf.config.experimental.enable_tensor_float_32_execution(False)


def _strict_torch() -> None:
    import torch

    # The legacy flags, which every torch since 1.12 has; torch >= 2.9 maps them onto
    # its fp32_precision settings (and refuses a mix of the two APIs).
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    torch.set_float32_matmul_precision("highest")


def _strict_jax() -> None:
    import jax

    jax.config.update("jax_default_matmul_precision", "highest")


_STRICT = {"tensorflow": _strict_tensorflow, "torch": _strict_torch, "jax": _strict_jax}


def record(mode: str) -> dict[str, Any]:
    """The numeric environment in force, read back, as plain data for a manifest;
    `mode`: what `pin` was asked for."""
    import keras

    backend = keras.backend.backend()
    switches, gpus = _READ[backend]()
    return {
        "mode": mode,
        "device": f"GPU {', '.join(gpus)}" if gpus else f"CPU {cpu_model()}",
        "cpu_features": cpu_features(),
        "threads": _threads(backend),
        "backend": backend,
        backend: switches,
        "variables": {name: os.environ[name] for name in NUMERIC_VARIABLES if name in os.environ},
    }


def _threads(backend: str) -> int:
    """The threads the backend's CPU kernels use: its own setting where it has one, else
    (TensorFlow's and XLA's default) every core this process may run on."""
    if backend == "torch":
        import torch

        return torch.get_num_threads()
    if backend == "tensorflow":
        import tensorflow as tf

        chosen = tf.config.threading.get_intra_op_parallelism_threads() or os.environ.get("TF_NUM_INTRAOP_THREADS")
        if chosen and int(chosen) > 0:
            return int(chosen)
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def _read_tensorflow() -> tuple[dict[str, Any], list[str]]:
    import tensorflow as tf

    try:  # what TensorFlow decided from TF_ENABLE_ONEDNN_OPTS and the CPU
        from tensorflow.python.util import _pywrap_util_port

        onednn: bool | None = bool(_pywrap_util_port.IsMklEnabled())
    except (ImportError, AttributeError):
        onednn = None
    gpus = [
        tf.config.experimental.get_device_details(gpu).get("device_name", gpu.name)
        for gpu in tf.config.list_physical_devices("GPU")
    ]
    return {"onednn": onednn, "tf32": tf.config.experimental.tensor_float_32_execution_enabled()}, gpus


def _read_torch() -> tuple[dict[str, Any], list[str]]:
    import torch

    gpus = [torch.cuda.get_device_name(i) for i in range(torch.cuda.device_count() if torch.cuda.is_available() else 0)]
    if not gpus and torch.backends.mps.is_available():
        gpus = ["Apple MPS"]
    try:
        tf32 = bool(torch.backends.cuda.matmul.allow_tf32 or torch.backends.cudnn.allow_tf32)
        precision = torch.get_float32_matmul_precision()
    except RuntimeError:  # torch >= 2.9 refuses the legacy getters once its fp32_precision API was used
        tf32 = "tf32" in (torch.backends.cuda.matmul.fp32_precision, torch.backends.cudnn.conv.fp32_precision)
        precision = torch.backends.cuda.matmul.fp32_precision
    return {
        "cpu_capability": torch.backends.cpu.get_cpu_capability(),
        "tf32": tf32,
        "matmul_precision": precision,
    }, gpus


def _read_jax() -> tuple[dict[str, Any], list[str]]:
    import jax

    gpus = [device.device_kind for device in jax.devices() if device.platform != "cpu"]
    return {"matmul_precision": jax.config.jax_default_matmul_precision or "default"}, gpus


_READ = {"tensorflow": _read_tensorflow, "torch": _read_torch, "jax": _read_jax}


def cpu_model() -> str:
    """The CPU's marketing name where the system says it, else its architecture."""
    cpuinfo = _cpuinfo()
    for key in ("model name", "Model", "cpu model"):
        if key in cpuinfo:
            return cpuinfo[key]
    if platform.system() == "Darwin":
        try:
            return subprocess.run(
                ["sysctl", "-n", "machdep.cpu.brand_string"], capture_output=True, text=True, check=True, timeout=5
            ).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            pass
    return platform.processor() or platform.machine()


def cpu_features() -> list[str] | None:
    """The kernel-deciding instruction sets the CPU has (None where the system does not say)."""
    cpuinfo = _cpuinfo()
    flags = cpuinfo.get("flags", cpuinfo.get("Features"))
    if flags is None:
        return None
    present = set(flags.split())
    return [feature for feature in KERNEL_FEATURES if feature in present]


def _cpuinfo() -> dict[str, str]:
    """The first processor's fields of /proc/cpuinfo (empty off Linux)."""
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return {}
    fields: dict[str, str] = {}
    for line in text.splitlines():
        key, colon, value = line.partition(":")
        if colon:
            fields.setdefault(key.strip(), value.strip())
    return fields


# What each fact is called in sentences, in the order they are shown and compared.
_LABELS = {
    "mode": "numerics",
    "device": "device",
    "threads": "threads",
    "onednn": "oneDNN",
    "tf32": "TF32",
    "matmul_precision": "matmul precision",
    "cpu_capability": "torch CPU capability",
    "variables": "environment",
    "cpu_features": "CPU instruction sets",
}


def facts(data: Mapping[str, Any]) -> dict[str, str]:
    """A record as label -> short text, in `_LABELS` order (the backend's own switches flattened)."""
    flat = {**data, **data.get(data.get("backend", ""), {})}
    shown = {}
    for key, label in _LABELS.items():
        if key in flat:
            shown[label] = _text(flat[key])
    return shown


def _text(value: object) -> str:
    if value is None:
        return "unknown"
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, list):
        return " ".join(value) or "none"
    if isinstance(value, Mapping):
        return " ".join(f"{name}={text}" for name, text in sorted(value.items())) or "no numeric variables set"
    return str(value)


def summary(data: Mapping[str, Any]) -> str:
    """One line: "strict; CPU Intel Xeon; oneDNN on; TF32 off"."""
    shown = facts(data)
    parts = [shown.pop("numerics", "?"), shown.pop("device", "?")]
    shown.pop("CPU instruction sets", None)
    shown.pop("environment", None)
    return "; ".join(parts + [f"{label} {text}" for label, text in shown.items()])


def differences(made: Mapping[str, Any] | None, running: Mapping[str, Any]) -> list[str]:
    """How the environment that made a set (its manifest's "numerics") differs from the
    running one, in `_LABELS` order: "the baselines were made with oneDNN off; this run
    has oneDNN on". A backend's own switches are compared on that backend only."""
    if not made:
        return []
    if made.get("backend") != running.get("backend"):
        made = {key: value for key, value in made.items() if key != made.get("backend")}
        running = {key: value for key, value in running.items() if key != running.get("backend")}
    before, after = facts(made), facts(running)
    said = []
    for label, old in before.items():  # in _LABELS order
        new = after.get(label)
        if new is None or new == old:
            continue
        if label == "CPU instruction sets" and None not in (made.get("cpu_features"), running.get("cpu_features")):
            said.append(_feature_change(made["cpu_features"], running["cpu_features"]))
        elif label == "device":
            said.append(f"the baselines were made on {old}; this run is on {new}")
        else:
            said.append(f"the baselines were made with {label} {old}; this run has {label} {new}")
    return said


def _feature_change(made: list[str], running: list[str]) -> str:
    gained = [feature for feature in running if feature not in made]
    lost = [feature for feature in made if feature not in running]
    parts = [f"this CPU has {' '.join(gained)}"] if gained else []
    parts += [f"lacks {' '.join(lost)}"] if lost else []
    return f"the baselines were made on a CPU with other instruction sets: {' and '.join(parts)}"
