"""An image-folder run killed with SIGKILL and resumed ends bit-identical to one that never
stopped, with every history row once, in both storage modes: decoded once into memory, and
streamed from the files batch by batch (a memory budget below the decoded size)."""

import json

import pytest

from tests.checkpoint_tools import kill_resume_and_compare
from tests.image_tools import write_folder

pytestmark = pytest.mark.timeout(300)
EPOCHS = 4


@pytest.mark.parametrize("storage", ["memory", "streaming"])
def test_a_killed_image_run_resumes_bit_identical(storage, tmp_path):
    root = write_folder(tmp_path / "shapes", per_class=20, size=(14, 14))
    budget = ["--data-opt", "memory_mb=0.01"] if storage == "streaming" else []
    argv = [
        "--model",
        "cnn",
        "--set",
        "filters=4,8",
        "--set",
        "dense_units=8",  # dropout and augmentation: seed-generator states that carry over too
        "--dataset",
        f"images:{root}",
        "--data-opt",
        "flip=yes",  # every augmentation layer, the mirror and the contrast too
        *budget,
        "--batch-size",
        "8",
        "--epochs",
        str(EPOCHS),
        "--seed",
        "3",
        "--save-every",
        "epoch",  # a checkpoint each epoch, so that the kill lands between two of them
    ]
    run_dir = kill_resume_and_compare(argv, tmp_path, epochs=EPOCHS)
    run = json.loads((run_dir / "run.json").read_text())
    assert run["data"]["info"]["storage"] == storage
    assert run["model"]["augmentations"] == ["flip", "translation", "rotation", "zoom", "contrast"]
