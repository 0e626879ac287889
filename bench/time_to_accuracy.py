"""Section 2: time to accuracy, from bench/quality.py's output (bench/quality.json).

bench/quality.py belongs to the quality bars: it runs each model's default recipe from one
command for 3 seeds, timed from process start to exit, and judges the test metric against the
model's bar. This section does not rerun it (21 default runs do not fit the 15-minute budget);
it carries its figures into results.json and the table, and says when they are missing.
"""

import json
import time

from bench.common import REPO_ROOT

QUALITY_JSON = REPO_ROOT / "bench" / "quality.json"


def run_time_to_accuracy(quick: bool) -> dict:
    """Returns results["time_to_accuracy"]: per model the median wall seconds and the verdict."""
    if not QUALITY_JSON.exists():
        return {
            "status": "missing",
            "note": "bench/quality.json does not exist yet: "
            "run `python bench/quality.py`, then bench/run.py",
        }
    data = json.loads(QUALITY_JSON.read_text())
    models = {}
    for name, row in data.items():
        if not isinstance(row, dict):
            continue
        models[name] = {
            key: row.get(key)
            for key in (
                "metric",
                "bar",
                "median",
                "median_wall_seconds",
                "meets_bar",
                "within_wall_limit",
            )
        }
        models[name]["seeds"] = len(row.get("runs", []))
    written = time.strftime("%Y-%m-%d %H:%M", time.localtime(QUALITY_JSON.stat().st_mtime))
    return {
        "status": "from bench/quality.json",
        "written": written,
        "definition": "median over seeds of the wall seconds from process start to the end of the "
        "default run (TensorFlow import included), with its test metric against the bar",
        "models": models,
    }
