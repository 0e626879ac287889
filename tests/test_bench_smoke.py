"""bench/'s pieces run and read their clocks right, on tiny settings. No figure is checked here:
timings come from `python bench/run.py`, never from tests."""

import json

import pytest

from bench.common import percentile, run_child, summarize
from bench.paths import default_data, harness_epochs, plain_epochs, plain_model, recipe_config
from bench.report import print_table
from bench.run import add_checkpoint_share, judge_targets
from bench.scaling import exponent
from bench.share import STAGE_LABELS, EpochClock, summarize_stages
from bench.training import summarize_rounds
from harness.runtime import timing


def test_summaries_and_percentiles():
    assert summarize([3, 1, 2, None]) == {"median": 2, "min": 1, "max": 3, "n": 3}
    assert summarize([])["median"] is None
    assert percentile([5, 1, 4, 2, 3], 0.5) == 3
    assert percentile(list(range(1, 21)), 0.95) == 19
    assert exponent([1, 8], [2, 16]) == pytest.approx(1.0)


def test_epoch_clock_reads_keras_progress_lines():
    clock = EpochClock()
    with clock.capture():
        print("device: CPU")
        for epoch in range(1, 4):
            print(f"Epoch {epoch}/3")
            print("40/40 - 0s - accuracy: 0.9")
    assert len(clock.begins) == len(clock.ends) == 3
    assert len(clock.epoch_walls()) == 2 and all(wall >= 0 for wall in clock.epoch_walls())


def test_plain_and_harness_paths_time_every_epoch_but_the_first():
    overrides = {"hparams": {"widths": "8"}, "batch_size": 256}
    config = recipe_config("mlp", 3, **overrides)
    data = default_data("mlp")
    model = plain_model("mlp", data, config)
    assert len(plain_epochs(model, data, config)) == 2
    run = harness_epochs("mlp", 3, **overrides)
    assert len(run["walls"]) == len(run["epoch_seconds"]) == len(run["bookkeeping"]) == 2
    assert len(run["history"]) == 3 and "val_loss" in run["history"][0]


def test_rounds_become_ratios_with_spreads():
    run = {"walls": [0.1, 0.1], "bookkeeping": [0.01, 0.01]}
    rounds = [
        {"plain": {"walls": [0.2, 0.2]}, "harness": run, "tuned": {"walls": [0.05, 0.05]}}
    ] * 2
    summary = summarize_rounds(rounds, examples=100)
    assert summary["harness_vs_plain_fit"] == pytest.approx(2.0)
    assert summary["tuned_vs_plain_fit"] == pytest.approx(4.0)
    assert summary["bookkeeping"]["share_of_epoch"]["median"] == pytest.approx(0.1)


def test_child_processes_report_peak_rss():
    result = run_child(["-c", "x = bytearray(50 * 1024 * 1024); print(len(x))"], timeout=60)
    assert result["returncode"] == 0 and result["peak_rss_mb"] > 50


def test_targets_and_table_from_a_results_file(capsys):
    block = {
        "plain_samples_per_s": 100.0,
        "harness_samples_per_s": 99.0,
        "tuned_samples_per_s": 140.0,
        "harness_vs_plain_fit": 0.99,
        "tuned_vs_plain_fit": 1.4,
        "bookkeeping": {"share_of_epoch": {"median": 0.01}},
    }
    results = {
        "training": {"mlp": block, "cnn": dict(block, harness_vs_plain_fit=0.9)},
        "checkpoint": {
            "default_runs": {
                "mlp": {
                    "share_of_training_time": 0.01,
                    "epochs": 60,
                    "wall_seconds": 9.0,
                    "bookkeeping_seconds": 0.09,
                    "checkpoint_only_share": 0.008,
                }
            }
        },
        "startup": {"help_seconds": 0.2},
    }
    add_checkpoint_share(results)
    results["targets"] = judge_targets(json.loads(json.dumps(results)))
    verdicts = {verdict["target"]: verdict["met"] for verdict in results["targets"]}
    assert verdicts["harness_vs_plain_fit >= 0.97, every model"] is False
    assert verdicts["tuned_vs_plain_fit >= 1.3, cnn"] is True
    assert verdicts["checkpoint share_of_training_time <= 0.02, every default run"] is True
    print_table(results)
    assert "NOT met" in capsys.readouterr().out


def test_every_stage_of_the_harness_gets_a_label_and_a_summary(capsys):
    assert sorted(name for name, _, _ in STAGE_LABELS) == sorted(timing.STAGES)
    seconds = {name: [0.2, 0.001, 0.003] for name in timing.STAGES}
    summary = summarize_stages(seconds, wall=10.0)
    assert len(summary) == len(timing.STAGES)
    write = summary["TensorFlow's write (eager, traced after 8 saves)"]
    assert write["calls"] == 3 and write["first_s"] == 0.2 and write["depth"] == 2
    assert write["later_p50_ms"] == pytest.approx(2.0)
    assert write["share_of_run"] == pytest.approx(0.0204)
    assert summarize_stages({timing.HISTORY_ROW: [0.5]}, wall=1.0).keys() == {
        "history row in memory (learning rate)"
    }
    run = {"epochs": 3, "wall_seconds": 10.0, "bookkeeping_seconds": 1.0}
    run.update(share_of_training_time=0.1, checkpoint_only_share=0.08, stages=summary)
    print_table({"checkpoint": {"default_runs": {"mlp": run}}})
    assert "      manifest.json" in capsys.readouterr().out


def test_the_ucr_yardstick_judges_and_tabulates_measured_runs(capsys):
    from bench.report import ucr_lines
    from bench.ucr import judge, summarize_runs, table_lines

    runs = [
        {"seed": s, "accuracy": a, "wall_seconds": w} for s, a, w in [(0, 1.0, 50), (1, 0.98, 95)]
    ]
    fcn = summarize_runs([*runs, {"seed": 2, "accuracy": 0.99, "wall_seconds": 60}])
    assert (fcn["median_accuracy"], fcn["min_accuracy"], fcn["max_wall_seconds"]) == (
        0.99,
        0.98,
        95,
    )
    results = {
        "GunPoint": {"fcn": fcn},
        "ItalyPowerDemand": {"fcn": dict(fcn, median_accuracy=0.95)},
    }
    verdicts = {verdict["target"]: verdict["met"] for verdict in judge(results)}
    assert verdicts["ucr GunPoint fcn >= 0.99"] is True
    assert verdicts["ucr ItalyPowerDemand fcn >= 0.96"] is False
    assert verdicts["ucr GunPoint every run <= 90 s"] is False
    table = table_lines(results)
    assert table[2] == "| `fcn` | **99.0** [98.0-100.0], 60 s | **95.0** [98.0-100.0], 60 s |"
    assert table[-1] == "| ResNet, Fawaz et al. 2019 (mean of 10) | 99.1 | 96.3 |"
    assert "bench/ucr.py" in ucr_lines({"status": "missing", "note": "run bench/ucr.py"})[-1]
