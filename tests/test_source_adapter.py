"""The plugin's view of the app's warmup source: optional members resolved once, with defaults
(no window needed)."""

import pytest

from imwarmup import WarmupController
from imwarmup.panels.source import SourceAdapter, check_source


class Minimal:
    def warmup_status(self):
        return {"pending": [], "completed": ["a"], "failed": []}

    def canaries(self):
        return []


def test_a_source_with_only_the_two_methods_gets_defaults_for_the_rest():
    source = check_source(Minimal())
    assert isinstance(source, SourceAdapter)
    assert source.warmup_status()["completed"] == ["a"]
    assert source.revision() is None            # no revision: the plugin reads every frame
    assert source.require_warmed is None and source.submit_job is None
    assert source.service_pool("diagnostics") is None
    assert source.add_listener(lambda record: None) is False
    assert source.request_modules(["numpy"]) is False
    assert source.profile_report() is None and source.profile_text() is None
    source.mark_ready("first_frame")            # nothing to record it in: no error


def test_a_controller_is_resolved_to_its_own_members():
    controller = WarmupController(["json"], log_to_stderr=False)
    try:
        source = check_source(controller)
        assert source.request_modules(["numpy"]) is True     # not started: added to the set
        assert "numpy" in controller.modules
        assert source.revision() == controller.revision
        seen = []
        assert source.add_listener(seen.append) is True
        controller.start()
        assert controller.wait_for_warmup(30)
        assert source.revision() == controller.revision and seen
        assert source.request_modules(["sqlite3"]) is False  # started: too late, not an error
        source.mark_ready("first_frame")
        assert "first_frame" in str(source.profile_report())
        assert "first_frame" in source.profile_text()
        pool = source.service_pool("diagnostics")
        assert pool.submit(lambda: 42).result(5) == 42
        assert source.require_warmed("json").__name__ == "json"
    finally:
        controller.shutdown()
    assert source.service_pool("late") is None               # shut down: no pool, no raise


def test_check_source_names_what_is_missing():
    class Half:
        def canaries(self):
            return []

    with pytest.raises(TypeError, match=r"Half has no warmup_status\(\)"):
        check_source(Half())
    adapter = check_source(Minimal())
    assert check_source(adapter) is adapter
