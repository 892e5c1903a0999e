"""What this machine's processor can do, read once: the fast paths are chosen from it.

Most editors' laptops (and many CI machines) have AVX2 only. bf16 pays off only where the
CPU has native bf16 units (AVX512-BF16 or AMX); oneDNN's bf16 kernels need at least
AVX512BW/VL/DQ or AVX-NE-CONVERT and raise a RuntimeError elsewhere, so nothing may call
them without asking here first.
"""

from __future__ import annotations

import functools
import platform
from pathlib import Path

import torch


@functools.cache
def cpu_flags() -> frozenset[str]:
    """The CPU's feature flags from /proc/cpuinfo (empty where it cannot be read)."""
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return frozenset()
    for line in text.splitlines():
        if line.startswith("flags"):
            return frozenset(line.split(":", 1)[1].split())
    return frozenset()


@functools.cache
def cpu_model() -> str:
    """The processor's marketing name, e.g. "AMD EPYC" (platform's guess where unreadable)."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def has_native_bf16() -> bool:
    """bf16 matrix units (AVX512-BF16 or AMX): only there is bf16 faster than fp32."""
    return bool({"avx512_bf16", "amx_bf16"} & cpu_flags())


def onednn_bf16_supported() -> bool:
    """oneDNN's bf16 kernels run here (they raise a RuntimeError on AVX2-only CPUs)."""
    return bool(torch.backends.mkldnn.is_available() and torch.ops.mkldnn._is_mkldnn_bf16_supported())


def use_threads_here(threads: int) -> None:
    """Torch's CPU threads for work started from the calling thread only: OpenMP keeps this
    setting per thread, so a background thread can take one core and leave the others to the
    thread serving the page (checked in tests/test_hardware.py)."""
    torch.set_num_threads(max(1, threads))


def cpu_kind() -> str:
    """ "amx", "avx512" or "avx2" (or "other"): the name the speed results are filed under."""
    flags = cpu_flags()
    if "amx_bf16" in flags:
        return "amx"
    if "avx512f" in flags:
        return "avx512"
    return "avx2" if "avx2" in flags else "other"


def describe_cpu() -> str:
    """One line for the head of every timing: model, kind and the flags that matter."""
    relevant = ["avx2", "fma", "avx512f", "avx512_vnni", "avx512_bf16", "amx_bf16", "amx_int8", "avx_vnni"]
    present = [f for f in relevant if f in cpu_flags()] or ["none of " + ", ".join(relevant)]
    return f"{cpu_model()} ({cpu_kind()}; flags: {' '.join(present)}; torch {torch.__version__})"
