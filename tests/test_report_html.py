"""report.html and summary.html in a real browser: headless Chromium (Debian's package, which
.ci/run installs) loads each page, takes a screenshot, and a checking page reports whether every
image loaded, every link resolves, and the leaderboard sorts when a header is clicked."""

import html
import json
import os
import re
import shutil
import subprocess

import numpy as np
import pandas as pd
import pytest
from PIL import Image

import evaluate
from tests.eval_tools import read_json, train_digits_mlp

pytestmark = pytest.mark.timeout(240)
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
]
# The checking page loads the page under test in a frame and writes what it finds into its own
# DOM, which --dump-dom prints. File pages may read each other only with
# --allow-file-access-from-files, which only this checking run passes.
CHECKER = """<!doctype html><html><body>
<iframe id="page" src="{target}" width="1280" height="1600"></iframe>
<script>
const frame = document.getElementById("page");
frame.addEventListener("load", () => {{
  const page = frame.contentDocument;
  const resolves = (url) => {{
    const request = new XMLHttpRequest();
    try {{ request.open("GET", url, false); request.send(); }} catch (error) {{ return false; }}
    return request.responseText.length > 0;
  }};
  const found = {{
    title: page.title,
    images: [...page.images].map((image) => [image.getAttribute("src"),
                                              image.complete && image.naturalWidth > 0]),
    links: [...page.querySelectorAll("a[href]")].map((link) => [link.getAttribute("href"),
                                                                 resolves(link.href)]),
  }};
  const header = [...page.querySelectorAll("table.sortable th")].find(
    (cell) => cell.textContent === "{sort_by}");
  if (header) {{
    const column = [...header.parentNode.children].indexOf(header);
    const read = () => [...page.querySelectorAll("table.sortable tbody tr")].map(
      (row) => row.cells[column].textContent);
    header.click();
    found.ascending = read();
    header.click();
    found.descending = read();
  }}
  const out = document.createElement("pre");
  out.id = "found";
  out.textContent = JSON.stringify(found);
  document.body.appendChild(out);
}});
</script></body></html>"""


@pytest.fixture(scope="module")
def batch_root(tmp_path_factory):
    """Three copies of a tiny digits run, evaluated with evaluate.py --all."""
    if CHROMIUM is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed; .ci/run installs Debian's chromium package")
        pytest.skip("chromium is not installed (apt-get install chromium)")
    root = tmp_path_factory.mktemp("runs")
    train_digits_mlp(root / "run-a", epochs=1)
    for name in ("run-b", "run-c"):
        shutil.copytree(root / "run-a", root / name)
    assert evaluate.main(["--all", str(root)]) == 0
    return root


def _chromium(tmp_path, *args) -> str:
    profile = tmp_path / f"profile-{len(list(tmp_path.glob('profile-*')))}"
    command = [CHROMIUM, *FLAGS, f"--user-data-dir={profile}", *map(str, args)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=True)
    return done.stdout


def _check(tmp_path, page, sort_by="") -> dict:
    checker = tmp_path / f"check-{page.stem}.html"
    checker.write_text(CHECKER.format(target=page.as_uri(), sort_by=sort_by))
    dom = _chromium(
        tmp_path,
        "--allow-file-access-from-files",
        "--virtual-time-budget=10000",
        "--dump-dom",
        checker.as_uri(),
    )
    found = re.search(r'<pre id="found">(.*?)</pre>', dom, re.S)
    assert found, dom[-2000:]
    return json.loads(html.unescape(found.group(1)))


def _screenshot(tmp_path, page):
    shot = tmp_path / f"{page.stem}.png"
    _chromium(tmp_path, "--window-size=1280,1600", f"--screenshot={shot}", page.as_uri())
    with Image.open(shot) as image:
        assert image.size == (1280, 1600)
        pixels = np.asarray(image.convert("RGB"))
    assert len(np.unique(pixels.reshape(-1, 3), axis=0)) > 50  # text and figures, not blank
    return shot


def test_report_html_shows_every_figure_and_links_every_file(batch_root, tmp_path):
    report_dir = batch_root / "run-a" / "reports" / "ckpt-40"
    page = report_dir / "report.html"
    found = _check(tmp_path, page)
    metrics = read_json(report_dir / "metrics.json")
    assert found["title"] == "mlp ckpt-40 on digits test"
    pngs = sorted(path.name for path in report_dir.glob("*.png"))
    assert sorted(src for src, _ in found["images"]) == pngs and len(pngs) >= 5
    assert all(loaded for _, loaded in found["images"]), found["images"]
    linked = {href for href, _ in found["links"]}
    assert {"metrics.json", "predictions.csv", "classification_report.csv"} <= linked
    assert all(ok for _, ok in found["links"]), found["links"]
    text = page.read_text()
    assert f"{metrics['metrics']['macro_roc_auc']:.4g}" in text
    _screenshot(tmp_path, page)


def test_summary_html_links_every_report_and_sorts_by_a_clicked_column(batch_root, tmp_path):
    page = batch_root / "summary.html"
    found = _check(tmp_path, page, sort_by="run")
    summary = pd.read_csv(batch_root / "summary.csv")
    reports = [href for href, _ in found["links"] if href.endswith("report.html")]
    assert len(reports) == len(summary) == 3
    assert all(ok for _, ok in found["links"]), found["links"]
    assert found["ascending"] == sorted(summary["run"])
    assert found["descending"] == sorted(summary["run"], reverse=True)
    _screenshot(tmp_path, page)
