"""The machine a benchmark runs on is shared: how busy its cores are, and waiting until they are idle."""

from __future__ import annotations

import time


def machine_busy() -> float:
    """CPU seconds the whole machine has spent not idle."""
    import psutil

    t = psutil.cpu_times()
    return float(t.user + t.nice + t.system + t.irq + t.softirq)  # Linux fields; guest time is within user


def wait_for_quiet(limit: float, threshold: float) -> float:
    """Wait (at most ``limit`` seconds) until other processes use fewer than ``threshold`` cores; the seconds
    waited."""
    start = time.perf_counter()
    while time.perf_counter() - start < limit:
        before = machine_busy()
        time.sleep(3.0)
        if (machine_busy() - before) / 3.0 < threshold:
            break
    return time.perf_counter() - start


__all__ = ["machine_busy", "wait_for_quiet"]
