"""The summary numbers and the text report (pure)."""

from imwarmup.core.report import format_canary_table, format_text_report, summarize


def c(cid, module, start, end, status="completed", thread="controller-io-0", error=None, main=False):
    return {"canary_id": cid, "module": module, "thread_name": thread, "submit_ts": 10.0,
            "start_ts": start, "end_ts": end,
            "elapsed_ms": (end - start) * 1000 if start is not None and end is not None else None,
            "status": status, "error": error, "main_thread": main}


def test_summary_wall_and_slowest_and_no_speedup_from_the_sum():
    rows = [c(1, "a", 10.0, 10.4), c(2, "b", 10.0, 10.2, thread="controller-io-1"),
            c(3, "bad", 10.1, 10.3, "failed", error="ImportError: x")]
    s = summarize(rows, now=99.0)
    assert (s.modules, s.completed, s.failed) == (3, 2, 1)
    assert round(s.wall_ms) == 400 and round(s.sum_ms) == 800
    assert s.slowest == "a"
    line = s.line()
    assert "3 modules" in line and "1 failed" in line and "wall 400.0 ms" in line and "slowest a" in line
    # The sum of elapsed counts waiting for the interpreter lock: no "speed-up" is made of it.
    assert "speed-up" not in line and "sum" not in line


def test_running_and_queued_count_up_to_now():
    rows = [c(1, "a", 10.0, None, "running"), c(2, "q", None, None, "running")]
    s = summarize(rows, now=11.0)
    assert (s.running, s.queued) == (1, 1)
    assert round(s.wall_ms) == 1000
    assert "1 running, 1 queued" in s.line()


def test_main_thread_canaries_are_counted_and_flagged_in_the_table():
    rows = [c(1, "json", 10.0, 10.01, thread="MainThread", main=True)]
    assert summarize(rows, 11.0).main_thread == 1
    assert "[MAIN-THREAD]" in format_canary_table(rows)


def test_text_report_has_summary_table_and_profile():
    rows = [c(1, "a", 10.0, 10.02), c(2, "bad", 10.0, 10.001, "failed", error="ImportError: nope")]
    text = format_text_report(rows, 11.0, "Startup profile\nTotal: 1 ms")
    lines = text.splitlines()
    assert lines[0] == "imwarmup report"
    assert "ImportError: nope" in text and "queued" not in text
    assert text.rstrip().endswith("Total: 1 ms")
    header = next(l for l in lines if l.startswith("#"))
    assert header.split() == ["#", "module", "thread", "start", "elapsed", "status", "error"]


def test_the_report_names_cancelled_modules_and_counts_them():
    rows = [c(1, "a", 10.0, 10.02), c(2, "q1", None, 10.5, "cancelled"),
            c(3, "q2", None, 10.5, "cancelled")]
    text = format_text_report(rows, 11.0)
    assert "3 modules, 1 completed, 2 cancelled" in text
    assert "Cancelled (2; never imported, e.g. queued when the pool shut down): q1, q2" in text


def test_the_report_lists_retried_imports_with_their_first_error():
    row = dict(c(1, "cycle_b", 10.0, 10.02),
               retried="ImportError: cannot import name 'X' from partially initialized module "
                       "'cycle_a' (other imports in flight: cycle_a on controller-io-1)")
    text = format_text_report([row], 11.0)
    assert summarize([row], 11.0).retried == 1 and "1 retried" in text
    assert f"  #1 cycle_b: {row['retried']}" in text.splitlines()


def test_a_long_error_is_one_line_in_the_table_and_whole_after_it():
    error = "ValueError: bad config\n  section [a]\n" + "x" * 1000
    table = format_canary_table([c(1, "bad", 10.0, 10.1, "failed", error=error)])
    [row] = table.splitlines()[1:]
    assert row.endswith(f"ValueError: bad config… ({len(error) - 22} more characters)")
    text = format_text_report([c(1, "bad", 10.0, 10.1, "failed", error=error)], 11.0)
    assert text.endswith(f"Errors in full:\n  #1 bad:\n{error}\n")
