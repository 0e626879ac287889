"""tf.distribute for train.py: the --strategy choice, the chief, and where each worker writes.

`none` trains in this process with Keras's default strategy, exactly as before distribution
existed; `mirrored` is MirroredStrategy over this machine's GPUs (or its one CPU device);
`multiworker` is MultiWorkerMirroredStrategy over the cluster that TF_CONFIG describes. Following
TensorFlow's multi-worker guide, only the chief writes the run folder; every other worker saves
into a temporary folder of its own, because a save is a step every worker takes together.
"""

import contextlib
import dataclasses
import re
import shutil
import tempfile
from pathlib import Path

from harness.errors import UsageError, WorkerLost
from harness.runtime.cluster import (
    DEFAULT_TIMEOUT_SECONDS,
    TIMEOUT_ENV,
    Cluster,
    check_port_free,
    killed_unless_done,
    port_taken,
)

_TASK_PATTERN = re.compile(r"/job:(\w+)/replica:\d+/task:(\d+)")


def choose_strategy(requested: str, device_plan) -> str:
    """auto is none on one device and mirrored over several GPUs; other requests stand."""
    if requested != "auto":
        return requested
    return "mirrored" if len(device_plan.gpu_indices) > 1 else "none"


@dataclasses.dataclass
class Distribution:
    """The strategy a run trains under, with what the rest of the harness needs to know of it."""

    name: str  # "none", "mirrored" or "multiworker"
    strategy: object = None  # a tf.distribute.Strategy; None: Keras's default, no scope
    replicas: int = 1
    devices: str = "CPU"
    cluster: Cluster | None = None
    _identity: object = dataclasses.field(default=None, repr=False)

    @property
    def workers(self) -> int:
        return len(self.cluster.tasks) if self.cluster else 1

    @property
    def is_chief(self) -> bool:
        return self.cluster is None or self.cluster.rank == 0

    def scope(self):
        """Where the model, optimizer and metrics are built."""
        return self.strategy.scope() if self.strategy else contextlib.nullcontext()

    def describe(self) -> str:
        """The strategy part of the start-up line: strategy, devices, replicas and workers."""
        text = (
            f"strategy: {self.name} on {self.devices}: {_count(self.replicas, 'replica')}, "
            f"{_count(self.workers, 'worker')}"
        )
        if self.cluster:
            text += (
                f"; this is {self.cluster.label(self.cluster.task_type, self.cluster.task_index)}"
            )
            text += ", the chief" if self.is_chief else ""
        return text

    def shard(self, dataset):
        """Marks a batched dataset for splitting by data: each global batch is cut into one
        contiguous slice per replica, so a step sees the same examples as in a single process."""
        if self.strategy is None:
            return dataset
        import tensorflow as tf

        options = tf.data.Options()
        options.experimental_distribute.auto_shard_policy = (
            tf.data.experimental.AutoShardPolicy.DATA
        )
        return dataset.with_options(options)

    def barrier(self) -> None:
        """Returns once every worker has called it (one small all-reduce)."""
        if self.workers > 1:
            import tensorflow as tf

            # A tf.function: strategy.run of a plain Python function warns of eager overhead.
            self.strategy.reduce(
                "SUM", self.strategy.run(tf.function(lambda: tf.constant(1.0))), axis=None
            )

    def agreed_sum(self, values: list[int]) -> list[int]:
        """Each value summed over every worker (one small all-reduce), on all of them.

        Called by all workers at the same step, it is how a SIGTERM to one worker, or one
        worker's clock passing a save interval, becomes a save by all of them at that step (the
        part of TensorFlow's PreemptionCheckpointHandler that Keras's fit can use: the handler
        itself works only in custom training loops).
        """
        if self.workers == 1:
            return list(values)
        import tensorflow as tf

        if self._identity is None:  # traced once: this runs at every step boundary
            self._identity = tf.function(tf.identity)
        local = tf.constant([float(value) for value in values])
        agreed = self.strategy.reduce(
            "SUM", self.strategy.run(self._identity, args=(local,)), axis=None
        )
        return [round(float(value)) for value in agreed.numpy()]

    @contextlib.contextmanager
    def write_dir(self, run_dir):
        """Yields where this process writes: the run folder on the chief, else a temporary
        folder of its own that is removed afterwards."""
        if self.is_chief:
            yield Path(run_dir)
            return
        temporary = Path(
            tempfile.mkdtemp(prefix=f"zoo-{self.cluster.task_type}{self.cluster.task_index}-")
        )
        try:
            yield temporary
        finally:
            shutil.rmtree(temporary, ignore_errors=True)

    @contextlib.contextmanager
    def lost_workers_reported(self):
        """Turns a failed collective into `WorkerLost` naming the worker that went away."""
        if self.workers == 1:
            yield
            return
        import tensorflow as tf

        try:
            yield
        except (
            tf.errors.UnavailableError,
            tf.errors.DeadlineExceededError,
            tf.errors.AbortedError,
            tf.errors.CancelledError,
        ) as error:
            raise WorkerLost(lost_worker_message(self.cluster, error)) from None


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'s' if number > 1 else ''}"


def single_process() -> Distribution:
    """This process alone, under Keras's default strategy: the path without distribution."""
    return Distribution("none")


def lost_worker_message(cluster: Cluster, error) -> str:
    """Names the peer TensorFlow's collective error points at, and says how to carry on.

    A heartbeat failure names the task; a collective timeout does not, and then the peer is
    named only if there is just one.
    """
    mine = (cluster.task_type, cluster.task_index)
    named = [(job, int(index)) for job, index in _TASK_PATTERN.findall(str(error))]
    others = [(job, index) for job, index, _ in cluster.tasks if (job, index) != mine]
    lost = next((peer for peer in named if peer != mine), others[0] if len(others) == 1 else None)
    who = (
        cluster.label(*lost)
        if lost
        else "one of " + ", ".join(cluster.label(*peer) for peer in others)
    )
    return (
        f"lost contact with {who} ({type(error).__name__}); training stopped. "
        "Relaunch every worker with --resume to continue from the chief's last checkpoint"
    )


def start_distribution(
    name: str, device_plan, cluster: Cluster | None = None, timeout: float = DEFAULT_TIMEOUT_SECONDS
) -> Distribution:
    """Creates the strategy. Must run before TensorFlow creates its first tensor."""
    import tensorflow as tf

    gpus = len(device_plan.gpu_indices) if device_plan.kind == "gpu" else 0
    devices = f"GPU {','.join(map(str, device_plan.gpu_indices))}" if gpus else "the one CPU device"
    if name == "none":
        return Distribution("none", devices="GPU" if gpus else "CPU")
    if name == "mirrored":
        # Visible GPUs are renumbered from 0 once configure_devices has chosen them.
        strategy = tf.distribute.MirroredStrategy([f"/gpu:{i}" for i in range(gpus)] or ["/cpu:0"])
        suffix = "" if gpus else " (no GPU visible)"
        return Distribution("mirrored", strategy, strategy.num_replicas_in_sync, devices + suffix)
    options = tf.distribute.experimental.CommunicationOptions(timeout_seconds=timeout)
    me = cluster.label(cluster.task_type, cluster.task_index)
    check_port_free(cluster)
    with killed_unless_done(
        timeout,
        f"error: {me}: the other workers in TF_CONFIG did not all join "
        f"within {timeout:g} s ({TIMEOUT_ENV}); start every worker",
    ):
        try:
            strategy = _multi_worker_strategy(
                cluster_resolver=tf.distribute.cluster_resolver.TFConfigClusterResolver(),
                communication_options=options,
            )
        except tf.errors.UnknownError as error:
            if "Could not start gRPC server" not in str(error):
                raise
            raise UsageError(port_taken(cluster)) from None  # taken since check_port_free
    return Distribution(
        "multiworker", strategy, strategy.num_replicas_in_sync, f"{devices} per worker", cluster
    )


def _multi_worker_strategy(**kwargs):
    import tensorflow as tf

    class MultiWorkerStrategy(tf.distribute.MultiWorkerMirroredStrategy):
        """MultiWorkerMirroredStrategy whose `reduce` takes what Keras 3 hands it.

        Keras 3.15's fit passes a nested (x, y) batch to `reduce` and asks for axis=0 on scalar
        metrics; TensorFlow's multi-worker reduce takes neither (keras-team/keras#20585). Reducing
        each tensor on its own, a scalar across replicas only, is what Keras means.
        """

        def reduce(self, reduce_op, value, axis):
            def reduce_one(tensor):
                rank = self.experimental_local_results(tensor)[0].shape.rank
                return super(MultiWorkerStrategy, self).reduce(
                    reduce_op, tensor, None if rank == 0 else axis
                )

            return tf.nest.map_structure(reduce_one, value)

    return MultiWorkerStrategy(**kwargs)
