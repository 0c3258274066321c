"""The benchmark's printed table: each page beside its raw query when one was timed, how it
grew from a tenth of the history, and ingestion beside the do-nothing view."""

from bench.report import table


def page(name, median_ms, queries=6):
    return {"name": name, "median_ms": median_ms, "p95_ms": median_ms * 2, "queries": queries}


def throughput(name, per_second, errors=0):
    return {
        "name": name,
        "requests": 1000,
        "requests_per_second": per_second,
        "errors": errors,
        "first_error": "500: boom" if errors else "",
    }


def results(*, raw=None, ingestion=None):
    def size(scale):
        measured = {
            "pages": [page("incident list", 20 * scale), page("team learning page", 120 * scale)],
            "peak_memory_mb": 180,
            "build": {"rows": {"incidents.Incident": 1000}, "seconds": 3.0},
        }
        if raw is not None and scale == 1:
            measured["raw"] = raw
        if ingestion is not None:
            measured["ingestion"] = ingestion
        return measured

    return {"full": size(1), "tenth": size(0.5)}


def ingestion(*, exactly_once=True, errors=0, drained=True):
    return {
        "target": "webhook",
        "server": "gunicorn",
        "noop": throughput("do-nothing view", 2000.0),
        "ingestion": throughput("webhook ingestion", 1000.0, errors),
        "ratio": 0.5,
        "applied": {"drained": drained, "requests_per_second": 400.0, "drain_seconds": 1.5},
        "posted": 1000,
        "recorded": 1000,
        "recorded_exactly_once": exactly_once,
        "worker_peak_memory_mb": 95.0,
    }


def line_of(text, start):
    return next(line for line in text.splitlines() if line.startswith(start))


def test_a_learning_page_is_shown_beside_its_raw_query():
    text = table(results(raw={"team learning page": {"median_ms": 40.0, "p95_ms": 50.0}}))
    assert "/ raw" in text
    learning = line_of(text, "team learning page")
    assert "40.0" in learning
    assert "×3.00" in learning  # 120 ms against 40 ms
    assert "×2.00" in learning  # twice the time at ten times the history


def test_without_raw_queries_the_column_shows_a_dash():
    listing = line_of(table(results()), "incident list")
    assert listing.split()[-5:-3] == ["–", "–"]


def test_ingestion_is_shown_beside_the_do_nothing_view():
    text = table(results(ingestion=ingestion()))
    assert "1000.0 requests/s" in text
    assert "2000.0 requests/s" in text
    assert "accepted / do-nothing view: ×0.50" in text
    assert "each exactly once" in text
    assert "peak memory of a gunicorn worker: 95 MB" in text


def test_lost_or_doubled_deliveries_and_errors_are_called_out():
    text = table(results(ingestion=ingestion(exactly_once=False, errors=3)))
    assert "NOT each exactly once" in text
    assert "3 errors (first: 500: boom)" in text


def test_the_table_says_what_the_raw_column_measured():
    measured = results(raw={"team learning page": {"median_ms": 40.0, "p95_ms": 50.0}})
    measured["full"]["raw_reference"] = "one statement per learning page"
    assert "raw ms: one statement per learning page" in table(measured)
    assert "raw ms:" not in table(results())


def test_the_worker_s_end_to_end_throughput_and_drain_time_are_shown():
    text = table(results(ingestion=ingestion()))
    assert "end to end: 400.0 deliveries/s; the queue drained 1.5 s after the last answer" in text
    assert "NOT drained" not in text


def test_a_queue_left_undrained_is_called_out():
    text = table(results(ingestion=ingestion(drained=False, exactly_once=False)))
    assert "NOT drained" in text
    assert "NOT each exactly once" in text
