"""TF_CONFIG, the standard description of a multi-worker cluster, and the collective timeout.

Parsing and checking, no TensorFlow: bad values become `UsageError`s before anything runs. Also
here: the check that this task's port is free, and the watchdog process that enforces the
timeout while TensorFlow joins the cluster.
A cluster has "worker" tasks and at most one "chief"; TensorFlow numbers replicas chief first,
and the first task in that order is the chief, the one worker that writes the run folder.
"""

import contextlib
import dataclasses
import errno
import json
import math
import os
import socket
import subprocess
import sys

from harness.errors import UsageError

TIMEOUT_ENV = "ZOO_COLLECTIVE_TIMEOUT"
# Long enough for the chief's checkpoint save between two collectives on a slow disk, short
# enough that a stuck cluster gives up within minutes.
DEFAULT_TIMEOUT_SECONDS = 300.0
# A day: more is no timeout at all, and infinity would break the watchdog's clock.
MAX_TIMEOUT_SECONDS = 86400.0
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
    """Seconds a collective (and joining the cluster) may wait: $ZOO_COLLECTIVE_TIMEOUT or 300.

    Raises:
        UsageError: not a number of seconds above 0 and at most MAX_TIMEOUT_SECONDS (infinity
            and NaN included).
    """
    text = (os.environ if environ is None else environ).get(TIMEOUT_ENV, "").strip()
    if not text:
        return DEFAULT_TIMEOUT_SECONDS
    try:
        seconds = float(text)
    except ValueError:
        seconds = math.nan
    if not 0 < seconds <= MAX_TIMEOUT_SECONDS:
        raise UsageError(
            f"{TIMEOUT_ENV} must be a number of seconds above 0 and at most "
            f"{MAX_TIMEOUT_SECONDS:g} (a day), got {text!r}"
        )
    return seconds


def check_port_free(cluster: Cluster) -> None:
    """Refuses a port of this task that another program holds, naming it.

    TensorFlow's gRPC server listens on every interface at the task's port, whatever host
    TF_CONFIG gives, and fails with a bare "Could not start gRPC server" if the port is taken;
    binding it the same way first finds that out with a message that says which port.

    Raises:
        UsageError: the port is in use.
    """
    port = int(cluster.tasks[cluster.rank][2].rpartition(":")[2])
    for family, host in ((socket.AF_INET6, "::"), (socket.AF_INET, "")):
        try:
            probe = socket.socket(family, socket.SOCK_STREAM)
        except OSError:
            continue  # no IPv6 on this machine
        with probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind((host, port))
            except OSError as error:
                if error.errno == errno.EADDRINUSE:
                    raise UsageError(port_taken(cluster)) from None
                if family == socket.AF_INET:
                    raise
            else:
                return


def port_taken(cluster: Cluster) -> str:
    me = cluster.label(cluster.task_type, cluster.task_index)
    port = cluster.tasks[cluster.rank][2].rpartition(":")[2]
    return (
        f"port {port} of {me} in TF_CONFIG is in use by another program on this machine; "
        "stop that program or give this worker a free port"
    )


# A thread cannot time out joining the cluster: TensorFlow waits in C++ holding the GIL (and
# ignores SIGTERM meanwhile), so a tiny child process watches the clock instead. It says "ready"
# once it is watching, waits in short slices (select cannot wait for a day at once on every
# system), and leaves quietly when its input ends.
_WATCHDOG = """
import os, select, signal, sys, time
pid, seconds, message = int(sys.argv[1]), float(sys.argv[2]), sys.argv[3]
deadline = time.monotonic() + seconds
print("ready", flush=True)
while (left := deadline - time.monotonic()) > 0:
    if select.select([sys.stdin], [], [], min(left, 60.0))[0]:
        sys.exit(0)
print(message, file=sys.stderr, flush=True)
os.kill(pid, signal.SIGKILL)
"""


@contextlib.contextmanager
def killed_unless_done(seconds: float, message: str):
    """Runs the body under a watchdog process that kills this one after `seconds`.

    Raises:
        RuntimeError: the watchdog did not start; without it a lost peer could hang this
            process forever, so it does not go on.
    """
    watchdog = subprocess.Popen(
        [sys.executable, "-c", _WATCHDOG, str(os.getpid()), repr(float(seconds)), message],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    )
    if watchdog.stdout.readline().strip() != b"ready":
        watchdog.kill()
        code = watchdog.wait()
        raise RuntimeError(
            f"the watchdog that enforces {TIMEOUT_ENV} did not start (exit code {code}); "
            "training stopped rather than risk waiting for a lost worker forever"
        )
    try:
        yield
    finally:
        watchdog.stdin.close()  # end of input: the watchdog leaves quietly
        watchdog.wait()
        watchdog.stdout.close()
