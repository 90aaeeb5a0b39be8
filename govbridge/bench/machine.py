"""What machine a benchmark ran on, printed beside every figure."""

from __future__ import annotations

import os
import platform
import resource
from pathlib import Path
from typing import Any


def describe() -> dict[str, object]:
    cpu = "unknown"
    info = Path("/proc/cpuinfo")
    if info.exists():
        for line in info.read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return {
        "cpus": os.cpu_count(),
        "cpu": cpu,
        "python": platform.python_version(),
        "system": platform.system(),
    }


def machine_line(machine: dict[str, Any]) -> str:
    """The machine of a result, in one line under its table and on its chart."""
    cores = machine.get("cpus") or machine.get("cores")
    return (f"machine: {machine.get('cpu')} × {cores} CPUs, Python {machine.get('python')}, "
            f"{machine.get('system')}")


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
