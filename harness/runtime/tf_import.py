"""Importing TensorFlow without its native start-up log.

TF_CPP_MIN_LOG_LEVEL quiets TensorFlow's own logging, but lines that the native libraries print
before absl logging is initialised ("Could not find cuda drivers ...") ignore it. The only way to
hide them is to point file descriptor 2 elsewhere while the import runs.
"""

import contextlib
import os
import sys


@contextlib.contextmanager
def native_stderr_silenced():
    """Sends file descriptor 2 to /dev/null for the block; Python errors still surface after."""
    sys.stderr.flush()
    saved = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    try:
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


def import_tensorflow(*, verbose: bool = False):
    """Imports TensorFlow (and Keras), quietly unless `verbose`; returns the tf module.

    Once imported, it is returned as it is: the probe and the silenced descriptor run once.
    """
    if "tensorflow" in sys.modules:
        return sys.modules["tensorflow"]
    if verbose:
        os.environ.pop("TF_CPP_MIN_LOG_LEVEL", None)
        import tensorflow

        return tensorflow
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    with native_stderr_silenced():
        import keras  # noqa: F401  (keras imports TensorFlow through its backend)
        import tensorflow

        tensorflow.config.list_physical_devices("GPU")  # probes CUDA, which logs natively too
    return tensorflow
