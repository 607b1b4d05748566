"""Running the planned runs through DVC's experiment queue: what already ran (with these params)
is found and not run again, the rest is queued under stable names and run by `--jobs` workers,
and the wait shows runs done of total, the current runs and an ETA from the measured times.
A killed answer leaves the queue as it was: run it again and it waits for what is queued or
running, queues what is missing, and trains nothing twice."""

import subprocess
import sys
import time
from typing import Callable, Optional

import pandas as pd

from embedding_bench.answer.plan import Run
from embedding_bench.errors import UserError

POLL_SECONDS = 10


def done(planned: list[Run], table: pd.DataFrame) -> dict[Run, str]:
    """{run: its experiment's rev} for the planned runs that `table` (compare.runs) holds."""
    cnn = table[table["model"] == "cnn"] if len(table) else table
    found = {(row.config, int(row.seed)): row.rev for row in cnn.itertuples()}
    return {run: found[(run.config, run.seed)] for run in planned if (run.config, run.seed) in found}


def queue_status() -> dict[str, str]:
    """{experiment name: Queued | Running | Success | Failed} of DVC's queue (what `dvc queue
    status` lists)."""
    from dvc.repo import Repo

    with Repo() as repo:
        return {entry.get("name") or "": entry["status"] for entry in repo.experiments.celery_queue.status()}


def release_orphans() -> list[str]:
    """Runs DVC's queue still calls Running though no live worker runs them (the machine
    restarted, or the workers were killed): marked failed, as `dvc queue kill` marks a task whose
    process is gone, so that `submit` queues them again. Without this a resumed answer would wait
    for them forever. No signal is sent: after a restart their recorded pids may be others'."""
    from dvc.repo import Repo

    with Repo() as repo:
        celery = repo.experiments.celery_queue
        active = list(celery._iter_active_tasks())  # pinned DVC: the ids its own kill compares
        if not active:
            return []
        alive = {task["id"] for tasks in celery.worker_status().values() for task in tasks}
        orphans = {task.entry: task.entry.name for task in active if task.async_result.id not in alive}
        if orphans:
            celery._mark_inactive_tasks_failure(orphans)
    return sorted(name or "" for name in orphans.values())


def _dvc(*args: str) -> subprocess.CompletedProcess:
    result = subprocess.run(["dvc", *args], capture_output=True, text=True)
    if result.returncode:
        raise UserError(f"`dvc {' '.join(args)}` failed: {result.stderr.strip().splitlines()[-1:]}")
    return result


def start_workers(jobs: int) -> None:
    """`dvc queue start`: its workers are daemons that inherit the command's output streams, so
    those are not captured (a pipe they hold open would keep the call waiting until they exit)."""
    result = subprocess.run(["dvc", "queue", "start", "--jobs", str(jobs)], stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if result.returncode:
        raise UserError(f"`dvc queue start --jobs {jobs}` failed (exit {result.returncode}); run it "
                        f"by hand to see why")


def submit(missing: list[Run], status: dict[str, str]) -> list[Run]:
    """Queue the missing runs that are not queued or running already (a failed one is removed
    from the queue and queued again, once per answer); returns those queued now."""
    queued = []
    for run in missing:
        state = status.get(run.name)
        if state in ("Queued", "Running"):
            continue
        if state is not None:  # a failed earlier try, or a success whose params changed since
            _dvc("queue", "remove", run.name)
        _dvc("exp", "run", "--queue", "--name", run.name, *[a for o in run.overrides for a in ("-S", o)])
        queued.append(run)
    return queued


def _minutes(seconds: float) -> str:
    return f"{seconds / 60:.0f} min" if seconds >= 90 else f"{seconds:.0f} s"


class Progress:
    """Runs done of total, the runs in progress, and the time left from the pace measured since
    the answer started (finished runs per second, over the workers)."""

    def __init__(self, total: int, before: int, write: Callable[[str], None]):
        self.total, self.before, self.start, self.write, self.last = total, before, time.monotonic(), write, ""

    def update(self, finished: int, failed: int, running: list[str]) -> None:
        elapsed, new = time.monotonic() - self.start, finished - self.before
        left = self.total - finished - failed
        eta = f", about {_minutes(elapsed / new * left)} left" if new > 0 and left > 0 else ""
        line = (f"answer: {finished} of {self.total} runs done" + (f", {failed} failed" if failed else "")
                + (f"; running {', '.join(running)}" if running else "") + eta)
        if line.split(", about")[0] != self.last.split(", about")[0]:
            self.write(line)
        self.last = line


def run_all(planned: list[Run], jobs: int, read_table: Callable[[], pd.DataFrame],
            write: Callable[[str], None] = lambda line: print(line, file=sys.stderr, flush=True),
            poll: float = POLL_SECONDS) -> tuple[dict[Run, str], list[Run]]:
    """Run what is missing and wait for it; ({run: rev} of every planned run that exists,
    [runs that failed])."""
    have = done(planned, read_table())
    missing = [run for run in planned if run not in have]
    progress = Progress(len(planned), len(have), write)
    if not missing:
        write(f"answer: all {len(planned)} runs were made before; nothing to run")
        return have, []
    orphans = release_orphans()
    if orphans:
        write(f"answer: {len(orphans)} run(s) no worker was running any more (the machine restarted?) "
              f"are run again: {', '.join(orphans)}")
    queued = submit(missing, queue_status())
    write(f"answer: {len(have)} of {len(planned)} runs made before; {len(queued)} queued now, "
          f"{len(missing) - len(queued)} already in the queue; {jobs} worker(s)")
    start_workers(jobs)
    names, seen = {run.name for run in missing}, None
    while True:
        status = {name: state for name, state in queue_status().items() if name in names}
        running = sorted(name for name, state in status.items() if state == "Running")
        failed = [run for run in missing if status.get(run.name) == "Failed"]
        pending = [name for name, state in status.items() if state in ("Queued", "Running")]
        if status != seen:  # reading the experiments costs seconds of CPU: only when a state moved
            have, seen = done(planned, read_table()), status
        progress.update(len(have), len(failed), running)
        if not pending:
            return have, [run for run in failed if run not in have]
        time.sleep(poll)


def failure_log(run: Run, lines: int = 5) -> Optional[str]:
    """The last lines `dvc queue logs` kept of a failed run."""
    result = subprocess.run(["dvc", "queue", "logs", run.name], capture_output=True, text=True)
    tail = [line for line in (result.stdout + result.stderr).splitlines() if line.strip()][-lines:]
    return " / ".join(tail) if tail else None
