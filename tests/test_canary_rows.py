"""The canary table's rows: build, filter, sort (pure: no numpy, no window)."""

from __future__ import annotations

import sys

import pytest

from gantt_scenes import NOW, T0, every_state
from imwarmup.widgets.canary_rows import (
    COLUMNS, TableView, filter_rows, fmt_ms, sort_rows, table_rows,
)


# The usual times of a few modules (from a start-up history): "vs usual" has values to sort.
USUAL = {"numpy": 100.0, "json": 1.0, "sqlite3": 500.0}


def rows():
    return table_rows(every_state(), None, NOW, usual=USUAL)


def by_id(rs):
    return {r.canary_id: r for r in rs}


def test_module_imports_neither_numpy_nor_imgui():
    # The table must work before numpy is warmed: a fresh interpreter proves it.
    import subprocess

    code = ("import sys, imwarmup.widgets.canary_rows; "
            "assert 'numpy' not in sys.modules and 'imgui_bundle' not in sys.modules, "
            "sorted(m for m in sys.modules if m.startswith(('numpy', 'imgui')))")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_rows_times_relative_to_first_submit_and_injected_now():
    r = by_id(rows())
    assert r[1].start_ms == pytest.approx(10.0)
    assert r[1].elapsed_ms == pytest.approx(890.0)
    assert r[5].status == "running"
    assert r[5].elapsed_ms == pytest.approx((2.0 - 0.05) * 1000.0)   # up to the injected now
    later = by_id(table_rows(every_state(), None, NOW + 1.0))
    assert later[5].elapsed_ms == pytest.approx((3.0 - 0.05) * 1000.0)
    assert r[7].status == "queued" and r[7].start_ms is None and r[7].thread == ""
    assert r[8].status == "cancelled" and r[8].elapsed_ms is None
    assert r[3].failed and "broken_sdk" in r[3].error
    assert r[9].main_thread
    shifted = by_id(table_rows(every_state(), T0 - 1.0, NOW))
    assert shifted[1].start_ms == pytest.approx(1010.0)


def test_filter_words_all_match_and_minus_excludes():
    rs = rows()
    assert [r.canary_id for r in filter_rows(rs, "FAIL")] == [3]
    assert [r.canary_id for r in filter_rows(rs, "io-1")] == [2, 3]
    assert [r.canary_id for r in filter_rows(rs, "io-1 -failed")] == [2]
    assert [r.canary_id for r in filter_rows(rs, "modulenotfound")] == [3]
    assert [r.canary_id for r in filter_rows(rs, "#10")] == [10]
    assert len(filter_rows(rs, "   ")) == len(rs)
    assert filter_rows(rs, "nothing-like-this") == []


@pytest.mark.parametrize("column", COLUMNS)
def test_sort_every_column_both_ways_empty_values_last(column):
    rs = rows()
    for ascending in (True, False):
        out = sort_rows(rs, column, ascending)
        assert sorted(r.canary_id for r in out) == sorted(r.canary_id for r in rs)
        key = {"#": "canary_id", "start": "start_ms", "elapsed": "elapsed_ms", "own": "own_ms",
               "waiting": "wait_ms", "vs usual": "vs_usual_ms"}.get(column, column)
        vals = [getattr(r, key) for r in out]
        present = [v for v in vals if v not in (None, "")]
        if column in ("module", "thread", "error"):
            present = [v.lower() for v in present]
        assert present == sorted(present, reverse=not ascending)
        # empty values (never started, no error, no thread) go last both ways
        tail = vals[len(present):]
        assert all(v in (None, "") for v in tail)


def test_sort_ties_keep_canary_order_and_unknown_column_raises():
    out = sort_rows(rows(), "status", True)
    completed = [r.canary_id for r in out if r.status == "completed"]
    assert completed == [1, 2, 9, 10]
    with pytest.raises(ValueError, match="unknown column 'size'"):
        sort_rows(rows(), "size")


def test_table_view_caches_until_rows_filter_or_sort_change():
    rs = rows()
    view = TableView()
    first = view.visible(rs)
    assert view.visible(rs) is first
    view.filter_text = "controller"
    second = view.visible(rs)
    assert second is not first and all("controller" in r.thread for r in second)
    view.sort_column, view.ascending = "elapsed", False
    third = view.visible(rs)
    assert [r.canary_id for r in third][:2] == [5, 6]
    rs2 = list(rs)
    assert view.visible(rs2) is not third   # a new list means new data


def test_fmt_ms():
    assert fmt_ms(None) == "-"
    assert fmt_ms(12.34) == "12.3 ms"
    assert fmt_ms(12_345.0) == "12.35 s"


def test_the_error_cell_is_one_short_line_and_says_how_much_is_left_out():
    huge = "ImportError: " + "x" * 5_000_000
    lines = "ValueError: bad config\n  in section [a]\n  key b"
    records = [dict(every_state()[0], canary_id=1, status="failed", error=huge),
               dict(every_state()[0], canary_id=2, status="failed", error=lines)]
    big, multi = table_rows(records, None, NOW)
    assert big.error == huge[:300] + f"… ({len(huge) - 300} more characters)"
    assert multi.error == f"ValueError: bad config… ({len(lines) - 22} more characters)"
    assert records[0]["error"] == huge  # the record itself is untouched


def test_a_retried_import_is_marked_in_its_row():
    from imwarmup.widgets.canary_rows import table_rows

    base = {"canary_id": 1, "module": "a", "thread_name": "controller-io-0", "submit_ts": 10.0,
            "start_ts": 10.0, "end_ts": 10.5, "elapsed_ms": 500.0, "status": "completed",
            "error": None, "main_thread": False}
    plain, retried = table_rows([base, dict(base, canary_id=2, module="b",
                                            retried="ImportError: partially initialized")], None, 11.0)
    assert (plain.retried, retried.retried) == (False, True)


def test_rows_carry_own_work_and_waiting_and_say_it_in_words():
    r = by_id(rows())
    assert (r[1].own_ms, r[1].wait_ms) == (pytest.approx(300.0), pytest.approx(590.0))  # numpy
    assert r[1].split == "own work 300.0 ms · waiting 590.0 ms (GIL, other imports)"
    assert r[5].own_ms is None and r[5].wait_ms is None and r[5].split == ""   # running
    assert r[7].own_ms is None and r[8].own_ms is None                         # queued, cancelled
    # Sorting by waiting puts the longest wait first, unmeasured rows last.
    order = [x.canary_id for x in sort_rows(rows(), "waiting", ascending=False)]
    assert order[:5] == [1, 10, 3, 9, 2] and set(order[5:]) == {4, 5, 6, 7, 8}


def test_rows_name_recorded_lock_waits_in_the_split():
    tree = [{"module": "numpy", "lock_waits": [
        {"module": "numpy.core", "holder": "controller-io-2", "wait_ms": 500.0}]}]
    r = by_id(table_rows(every_state(), None, NOW, trees={1: tree}))
    assert r[1].lock_waits == (("controller-io-2", "numpy.core", 500.0),)
    assert r[1].split == ("own work 300.0 ms · waiting 590.0 ms: module lock held by "
                          "controller-io-2 (numpy.core) 500.0 ms; GIL/other 90.0 ms")
    assert by_id(table_rows(every_state(), None, NOW))[1].lock_waits == ()


def test_vs_usual_is_this_run_minus_the_usual_and_flags_regressions():
    records = every_state()
    done = [c for c in records if c["status"] == "completed"]
    a, b = done[0], done[1]
    usual = {a["module"]: a["elapsed_ms"] / 2.0,          # twice as slow: regressed if > 20 ms
             b["module"]: b["elapsed_ms"] - 1.0}          # 1 ms slower: not a regression
    out = by_id(table_rows(records, None, NOW, usual=usual))
    ra, rb = out[a["canary_id"]], out[b["canary_id"]]
    assert ra.vs_usual_ms == pytest.approx(a["elapsed_ms"] / 2.0)
    assert ra.regressed  # numpy: 890 ms against a usual of 445 ms
    assert rb.vs_usual_ms == pytest.approx(1.0) and not rb.regressed
    # Modules without a usual time, still running or failed, have no "vs usual".
    others = [r for cid, r in out.items() if cid not in (a["canary_id"], b["canary_id"])]
    assert all(r.vs_usual_ms is None and not r.regressed for r in others)
    assert all(r.usual_ms is None for r in table_rows(records, None, NOW))
