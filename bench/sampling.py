"""What the server process and the load generator cost while a benchmark runs.

`Sampler` reads /proc once a second for the server (CPU, resident memory, threads) and for this
process (the generator's own CPU), so a reader sees whether the server or the generator was the
limit, and how both moved over the run. Linux only; on anything else it reports nothing.
"""

import asyncio
import os
import resource
import time
from dataclasses import dataclass, field

from .server import proc_cpu_seconds, proc_status


def load_average() -> str:
    return " / ".join(f"{x:.2f}" for x in os.getloadavg())


def own_cpu_seconds() -> float:
    """This process's user + system CPU, every thread included."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def kib(raw: str) -> int | None:
    return int(raw.split()[0]) if raw.endswith(" kB") else None


@dataclass
class Sample:
    at: float
    server_cpu: float | None
    own_cpu: float
    rss_kib: int | None
    threads: int | None


@dataclass
class Sampler:
    pid: int | None
    every: float = 1.0
    samples: list[Sample] = field(default_factory=list)
    load_start: str = ""
    load_end: str = ""
    hwm_kib: int | None = None
    _task: asyncio.Task | None = None

    def sample(self) -> Sample:
        status = proc_status(self.pid) if self.pid else {}
        threads = status.get("Threads")
        found = Sample(
            at=time.perf_counter(),
            server_cpu=proc_cpu_seconds(self.pid) if self.pid else None,
            own_cpu=own_cpu_seconds(),
            rss_kib=kib(status.get("VmRSS", "")),
            threads=int(threads) if threads else None,
        )
        self.samples.append(found)
        hwm = kib(status.get("VmHWM", ""))
        if hwm is not None:
            self.hwm_kib = hwm
        return found

    def start(self) -> None:
        self.load_start = load_average()
        self.sample()
        self._task = asyncio.create_task(self._run())

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.every)
            self.sample()

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        self.sample()
        self.load_end = load_average()

    # Summaries -----------------------------------------------------------------------------

    @property
    def wall(self) -> float:
        return self.samples[-1].at - self.samples[0].at if len(self.samples) > 1 else 0.0

    def server_cpu(self) -> float | None:
        first, last = self.samples[0].server_cpu, self.samples[-1].server_cpu
        return None if first is None or last is None else last - first

    def own_cpu(self) -> float:
        return self.samples[-1].own_cpu - self.samples[0].own_cpu

    def peak_threads(self) -> int | None:
        values = [s.threads for s in self.samples if s.threads is not None]
        return max(values) if values else None

    def peak_rss_kib(self) -> int | None:
        values = [s.rss_kib for s in self.samples if s.rss_kib is not None]
        return max(values) if values else None

    def busiest(self, attribute: str, window: float) -> float | None:
        """The highest CPU share (of one core) over any `window` seconds of the run."""
        best = None
        for i, first in enumerate(self.samples):
            for last in self.samples[i + 1 :]:
                if last.at - first.at >= window:
                    a, b = getattr(first, attribute), getattr(last, attribute)
                    if a is not None and b is not None:
                        share = (b - a) / (last.at - first.at)
                        best = share if best is None else max(best, share)
                    break
        return best


def cpu_line(seconds: float | None, wall: float, per: int = 0, what: str = "tap") -> str:
    if seconds is None or wall <= 0:
        return "n/a"
    text = f"{seconds:.1f} s in {wall:.1f} s ({100 * seconds / wall:.0f} % of one core)"
    if per:
        text += f", {1000 * seconds / per:.2f} ms per {what}"
    return text
