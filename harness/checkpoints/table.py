"""Printing a run folder's checkpoints as a table (rich if installed, else plain text)."""

from pathlib import Path

from harness.checkpoints.manifest import Manifest
from harness.checkpoints.retention import rank_best

COLUMNS = ("name", "epoch", "step", "metrics", "size", "tags")


def human_size(count: int) -> str:
    """1536 -> "1.5 KiB"."""
    size = float(count)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if size < 1024 or unit == "GiB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    raise AssertionError("unreachable")


def format_metrics(metrics: dict, monitor: str) -> str:
    """ "val_loss=0.3100 loss=0.5000", the monitor first."""
    names = sorted(metrics, key=lambda name: (name != monitor, name))
    return " ".join(f"{name}={_number(metrics[name])}" for name in names)


def _number(value) -> str:
    return "null" if value is None else f"{value:.4g}"


def table_rows(manifest: Manifest) -> list[tuple[str, ...]]:
    """One row per checkpoint, oldest first, in the order of COLUMNS."""
    policy = manifest.retention_policy()
    latest = manifest.latest()
    ranked = rank_best(manifest.checkpoints, policy)  # not the file's "best": it may be stale
    best_name = ranked[0]["name"] if ranked else None
    rows = []
    for entry in manifest.checkpoints:
        tags = [
            tag
            for tag, name in (("latest", latest["name"]), ("best", best_name))
            if name == entry["name"]
        ]
        if entry.get("kind") == "step":
            tags.append("mid-epoch")
        rows.append(
            (
                entry["name"],
                str(entry["epoch"]),
                str(entry["step"]),
                format_metrics(entry.get("metrics") or {}, policy.monitor),
                human_size(entry.get("bytes", 0)),
                ",".join(tags),
            )
        )
    return rows


def print_run(run_dir: Path) -> None:
    """Prints one run's checkpoint table, or a line saying it has none."""
    manifest = Manifest.load(run_dir)
    for line in manifest.malformed_lines():
        print(f"{run_dir}: {line}")
    if not manifest.checkpoints:
        print(f"{run_dir}: no checkpoints")
        return
    title = f"{run_dir}  (monitor {manifest.retention_policy().monitor})"
    rows = table_rows(manifest)
    try:
        from rich.console import Console
        from rich.table import Table
    except ImportError:
        _print_plain(title, rows)
        return
    table = Table(title=title, title_justify="left")
    for column in COLUMNS:
        table.add_column(column, no_wrap=column != "metrics")
    for row in rows:
        table.add_row(*row)
    Console(soft_wrap=False).print(table)


def _print_plain(title: str, rows: list[tuple[str, ...]]) -> None:
    widths = [max(len(row[i]) for row in [COLUMNS, *rows]) for i in range(len(COLUMNS))]
    print(title)
    for row in [COLUMNS, *rows]:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip())
