import importlib.util
from pathlib import Path
from types import SimpleNamespace

PLUGIN = Path(__file__).resolve().parents[2] / "plugins" / "jaring_links.py"


def _plugin():
    spec = importlib.util.spec_from_file_location("jaring_links", PLUGIN)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_links_point_at_the_nights_reports_and_data_docs(monkeypatch):
    monkeypatch.setenv("JARING_OUTBOX_URL", "http://outbox.example:8090/")
    plugin = _plugin()
    key = SimpleNamespace(run_id="scheduled__2026-11-19T19:00:00+00:00")
    assert plugin.DataDocsLink().get_link(None, ti_key=key) == "http://outbox.example:8090/2026-11-20/datadocs/index.html"
    assert plugin.NightReportLink().get_link(None, ti_key=key) == "http://outbox.example:8090/2026-11-20/index.html"
    manual = SimpleNamespace(run_id="manual__2026-11-24T01:00:00+00:00")
    assert plugin.DataDocsLink().get_link(None, ti_key=manual) == "http://outbox.example:8090/index.html"
    assert len(plugin.JaringLinksPlugin.global_operator_extra_links) == 2
