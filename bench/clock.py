"""Per-epoch wall times of any `model.fit`, the harness's included, without touching its code.

Keras's progress logger (verbose=2) is the last callback of every fit: it writes "Epoch k/E"
when epoch k begins and one summary line when the epoch ends, after every other callback (the
harness's history writer and checkpoint saver included) has run. Timestamping those writes
gives the full wall time of each epoch: training steps, validation and all bookkeeping.
"""

import contextlib
import io
import time


class EpochClock(io.TextIOBase):
    """A stand-in for sys.stdout that timestamps the progress logger's epoch lines.

    Use it as `with clock.capture(): model.fit(..., verbose=2)`. Not a terminal, so the
    harness picks verbose=2 by itself.
    """

    def __init__(self):
        super().__init__()
        self.begins = []  # perf_counter at each "Epoch k/E" line
        self.ends = []  # perf_counter at the first write after each of them: the epoch summary
        self.lines = []

    def writable(self):
        return True

    def isatty(self):
        return False

    def write(self, text):
        now = time.perf_counter()
        if text.startswith("Epoch "):
            self.begins.append(now)
        elif text.strip() and len(self.ends) < len(self.begins):
            self.ends.append(now)
        self.lines.append(text)
        return len(text)

    @contextlib.contextmanager
    def capture(self):
        """Redirects sys.stdout here for the block."""
        with contextlib.redirect_stdout(self):
            yield self

    def epoch_walls(self) -> list[float]:
        """Wall seconds of epochs 2..E, each from the end of the previous epoch to its own end.

        Epoch 1 (tracing) has no previous end and is left out, as the issue asks.
        """
        return [later - earlier for earlier, later in zip(self.ends, self.ends[1:])]

    def text(self) -> str:
        """Everything written, for error messages."""
        return "".join(self.lines)
