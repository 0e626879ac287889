"""Device set-up through `tf.config`: which devices, memory growth, precision policy, XLA.

The choice itself (`plan_devices`) is a pure function of the request and the number of visible
GPUs, so it is tested on a CPU-only machine; `configure_devices` applies it with TensorFlow's
documented calls, which must run before TensorFlow initialises its devices.
"""

import dataclasses

from harness.errors import UsageError


@dataclasses.dataclass(frozen=True)
class DevicePlan:
    """What training will run on."""

    kind: str  # "cpu" or "gpu"
    gpu_indices: tuple = ()
    precision_policy: str = "float32"
    xla: bool = False

    def describe(self, cpu_count: int | None = None) -> str:
        """One line for the start of a run."""
        if self.kind == "gpu":
            where = "GPU " + ",".join(str(i) for i in self.gpu_indices) + " (memory growth on)"
        else:
            where = "CPU" + (f" ({cpu_count} cores)" if cpu_count else "")
        xla = "on" if self.xla else "off"
        return f"device: {where}; precision: {self.precision_policy}; XLA: {xla}"


def plan_devices(device: str, gpu_count: int, *, mixed_precision=False, xla=False) -> DevicePlan:
    """Chooses devices and precision for a `--device` request.

    Args:
        device: "auto", "cpu", "gpu" (every visible GPU) or "gpu:N".
        gpu_count: how many GPUs TensorFlow can see.
        mixed_precision: whether `--mixed-precision` was given.
        xla: whether `--xla` was given.

    Raises:
        UsageError: an unknown request, or a GPU asked for that is not there.
    """
    if device == "auto":
        kind, indices = ("gpu", tuple(range(gpu_count))) if gpu_count else ("cpu", ())
    elif device == "cpu":
        kind, indices = "cpu", ()
    elif device == "gpu" or device.startswith("gpu:"):
        indices = _gpu_indices(device, gpu_count)
        kind = "gpu"
    else:
        raise UsageError(f"unknown --device {device!r}; known: auto, cpu, gpu, gpu:N")
    return DevicePlan(kind, indices, choose_precision_policy(kind, mixed_precision), xla)


def _gpu_indices(device: str, gpu_count: int) -> tuple:
    if gpu_count == 0:
        raise UsageError(
            f"--device {device}: TensorFlow sees no GPU on this machine "
            "(tf.config.list_physical_devices('GPU') is empty); use --device cpu or auto"
        )
    if device == "gpu":
        return tuple(range(gpu_count))
    text = device.split(":", 1)[1]
    if not text.isdigit() or int(text) >= gpu_count:
        raise UsageError(f"--device {device}: visible GPUs are gpu:0 to gpu:{gpu_count - 1}")
    return (int(text),)


def choose_precision_policy(kind: str, mixed_precision: bool) -> str:
    """Returns the Keras dtype policy name.

    mixed_float16 is the GPU choice (Tensor Cores, with loss scaling that Keras adds at compile);
    on a CPU, Keras recommends mixed_bfloat16, which needs no loss scaling.
    """
    if not mixed_precision:
        return "float32"
    return "mixed_float16" if kind == "gpu" else "mixed_bfloat16"


def configure_devices(device="auto", *, mixed_precision=False, xla=False) -> DevicePlan:
    """Applies a `--device` request through tf.config and sets the Keras precision policy.

    Must be called before any tensor is created, as TensorFlow fixes visible devices then.
    """
    import keras
    import tensorflow as tf

    gpus = tf.config.list_physical_devices("GPU")
    plan = plan_devices(device, len(gpus), mixed_precision=mixed_precision, xla=xla)
    if plan.kind == "cpu":
        if gpus:
            tf.config.set_visible_devices([], "GPU")
    else:
        chosen = [gpus[index] for index in plan.gpu_indices]
        tf.config.set_visible_devices(chosen, "GPU")
        for gpu in chosen:
            # Without growth TensorFlow reserves all GPU memory up front.
            tf.config.experimental.set_memory_growth(gpu, True)
    keras.mixed_precision.set_global_policy(plan.precision_policy)
    tf.config.optimizer.set_jit(plan.xla)
    return plan
