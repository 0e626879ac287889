"""TF_CONFIG, the standard description of a multi-worker cluster, and the collective timeout.

Pure parsing and checking, no TensorFlow: bad values become `UsageError`s before anything runs.
A cluster has "worker" tasks and at most one "chief"; TensorFlow numbers replicas chief first,
and the first task in that order is the chief, the one worker that writes the run folder.
"""

import dataclasses
import json
import os

from harness.errors import UsageError

TIMEOUT_ENV = "ZOO_COLLECTIVE_TIMEOUT"
# Long enough for the chief's checkpoint save between two collectives on a slow disk, short
# enough that a stuck cluster gives up within minutes.
DEFAULT_TIMEOUT_SECONDS = 300.0
TF_CONFIG_EXAMPLE = (
    '{"cluster": {"worker": ["host1:12345", "host2:12345"]}, '
    '"task": {"type": "worker", "index": 0}}'
)
# MultiWorkerMirroredStrategy knows these jobs; a chief, if present, comes first.
JOBS = ("chief", "worker")


@dataclasses.dataclass(frozen=True)
class Cluster:
    """The cluster TF_CONFIG describes and this process's place in it."""

    tasks: tuple  # ((job, index, "host:port"), ...), chief first: TensorFlow's replica order
    task_type: str
    task_index: int

    @property
    def rank(self) -> int:
        """This task's position in `tasks`; rank 0 is the chief."""
        return next(
            i
            for i, (job, index, _) in enumerate(self.tasks)
            if (job, index) == (self.task_type, self.task_index)
        )

    def label(self, job: str, index: int) -> str:
        """'worker 1 (host:port)' for messages."""
        address = next((a for j, i, a in self.tasks if (j, i) == (job, index)), "unknown address")
        return f"{job} {index} ({address})"


def read_tf_config(environ=None) -> Cluster:
    """Parses and checks TF_CONFIG.

    Raises:
        UsageError: TF_CONFIG is missing, not JSON, or does not describe this task in a cluster
            of chief and worker jobs.
    """
    text = (os.environ if environ is None else environ).get("TF_CONFIG", "").strip()
    if not text:
        raise UsageError(
            "--strategy multiworker needs the TF_CONFIG environment variable, "
            f"e.g. {TF_CONFIG_EXAMPLE}"
        )
    try:
        data = json.loads(text)
    except ValueError as error:
        raise UsageError(
            f"TF_CONFIG is not JSON ({error}); expected e.g. {TF_CONFIG_EXAMPLE}"
        ) from None
    if (
        not isinstance(data, dict)
        or not isinstance(data.get("cluster"), dict)
        or not isinstance(data.get("task"), dict)
    ):
        raise UsageError(
            f'TF_CONFIG needs a "cluster" and a "task" object, e.g. {TF_CONFIG_EXAMPLE}'
        )
    tasks = _cluster_tasks(data["cluster"])
    task_type, task_index = data["task"].get("type"), data["task"].get("index")
    if isinstance(task_index, bool) or not any(
        (job, index) == (task_type, task_index) for job, index, _ in tasks
    ):
        raise UsageError(
            f"TF_CONFIG task {data['task']} is not in its cluster; "
            f"type must be one of {sorted(data['cluster'])} and index a position in its list"
        )
    return Cluster(tasks, task_type, task_index)


def _cluster_tasks(cluster: dict) -> tuple:
    unknown = sorted(set(cluster) - set(JOBS))
    if unknown:
        raise UsageError(
            f"TF_CONFIG cluster has job {unknown[0]!r}; MultiWorkerMirroredStrategy "
            'uses "worker" (and optionally one "chief") only'
        )
    tasks = []
    for job in JOBS:
        addresses = cluster.get(job, [])
        if not isinstance(addresses, list) or not all(_is_address(a) for a in addresses):
            raise UsageError(
                f'TF_CONFIG cluster {job!r} must be a list of "host:port" strings, '
                f"got {addresses!r}"
            )
        tasks += [(job, index, address) for index, address in enumerate(addresses)]
    if not tasks or len(cluster.get("chief", [])) > 1:
        raise UsageError(
            'TF_CONFIG cluster needs a "worker" list (and at most one chief), '
            f"e.g. {TF_CONFIG_EXAMPLE}"
        )
    return tuple(tasks)


def _is_address(text) -> bool:
    host, _, port = str(text).rpartition(":")
    return isinstance(text, str) and bool(host) and port.isdigit() and 0 < int(port) < 65536


def collective_timeout(environ=None) -> float:
    """Seconds a collective (and joining the cluster) may wait: $ZOO_COLLECTIVE_TIMEOUT or 300."""
    text = (os.environ if environ is None else environ).get(TIMEOUT_ENV, "").strip()
    if not text:
        return DEFAULT_TIMEOUT_SECONDS
    try:
        seconds = float(text)
    except ValueError:
        seconds = 0.0
    if not seconds > 0:
        raise UsageError(f"{TIMEOUT_ENV} must be a positive number of seconds, got {text!r}")
    return seconds
