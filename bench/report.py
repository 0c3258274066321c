"""The benchmark's one table: each page at full size beside its limit (the hand-written query
for the learning pages, when bench/raw.py measured one) and the same page at a tenth; then
ingestion beside the do-nothing view, and memory."""


def _ratio(numerator: float | None, denominator: float | None) -> str:
    return f"×{numerator / denominator:.2f}" if numerator and denominator else "–"


def _pages(full: dict, tenth: dict) -> list[str]:
    tenth_pages = {page["name"]: page for page in tenth["pages"]}
    raw = full.get("raw") or {}
    header = (
        f"{'page':<38} {'median ms':>10} {'p95 ms':>9} {'queries':>8} {'raw ms':>8}"
        f" {'/ raw':>7} {'tenth median':>13} {'tenth queries':>14} {'growth':>8}"
    )
    lines = [header, "-" * len(header)]
    for page in full["pages"]:
        small = tenth_pages[page["name"]]
        # A page timed without its cache has the same limit as the page.
        limit = page["name"].removesuffix(", no cache")
        raw_ms = (raw.get(limit) or {}).get("median_ms")
        lines.append(
            f"{page['name']:<38} {page['median_ms']:>10.1f} {page['p95_ms']:>9.1f}"
            f" {page['queries']:>8} {f'{raw_ms:.1f}' if raw_ms else '–':>8}"
            f" {_ratio(page['median_ms'], raw_ms):>7}"
            f" {small['median_ms']:>13.1f} {small['queries']:>14}"
            f" {_ratio(page['median_ms'], small['median_ms']):>8}"
        )
    return lines


def _ingestion(full: dict, tenth: dict) -> list[str]:
    ingestion, small = full.get("ingestion"), tenth.get("ingestion")
    if not ingestion or "error" in ingestion:
        return [f"ingestion: not measured ({(ingestion or {}).get('error', 'no results')})"]
    lines = [f"ingestion through {ingestion['target']}: {ingestion['server']}"]
    for key in ("ingestion", "noop"):
        run, tenth_run = ingestion[key], (small or {}).get(key, {})
        errors = f", {run['errors']} errors (first: {run['first_error']})" if run["errors"] else ""
        lines.append(
            f"  {run['name']:<26} {run['requests_per_second']:>8.1f} requests/s"
            f" over {run['requests']} requests{errors}"
            f"; tenth {tenth_run.get('requests_per_second', 0):.1f}"
            f" (growth {_ratio(tenth_run.get('requests_per_second'), run['requests_per_second'])}"
            " in time per request)"
        )
    lines.append(f"  accepted / do-nothing view: ×{ingestion['ratio']:.2f}")
    if applied := ingestion.get("applied"):
        drained = "" if applied["drained"] else " (NOT drained: gave up waiting)"
        lines.append(
            f"  applied by the Celery worker, end to end: {applied['requests_per_second']:.1f}"
            f" deliveries/s; the queue drained {applied['drain_seconds']:.1f} s after the last"
            f" answer{drained}"
        )
    once = "each exactly once" if ingestion["recorded_exactly_once"] else "NOT each exactly once"
    lines.append(f"  {ingestion['posted']} posted, {ingestion['recorded']} recorded, {once}")
    lines.append(f"  peak memory of a gunicorn worker: {ingestion['worker_peak_memory_mb']:.0f} MB")
    return lines


def table(results: dict) -> str:
    full, tenth = results["full"], results["tenth"]
    lines = _pages(full, tenth)
    if full.get("raw_reference"):
        lines.append(f"raw ms: {full['raw_reference']}")
    lines.append("")
    lines.append(
        f"peak memory of the measuring web process: {full['peak_memory_mb']:.0f} MB"
        f" (tenth: {tenth['peak_memory_mb']:.0f} MB)"
    )
    lines.extend(_ingestion(full, tenth))
    for label in ("full", "tenth"):
        build = results[label]["build"]
        total = sum(build["rows"].values())
        lines.append(f"{label}: {total:,} rows built in {build['seconds']} s")
    return "\n".join(lines)
