"""The Grafana dashboard asks only for metrics the service exports."""

import json
import re
from pathlib import Path

from httpx2 import AsyncClient
from prometheus_client.parser import text_string_to_metric_families

DASHBOARD = Path(__file__).resolve().parent.parent / "deploy" / "grafana" / "dashboard.json"
# PromQL words that look like metric names: functions, aggregations and their modifiers.
PROMQL_WORDS = {"sum", "rate", "by", "histogram_quantile", "le", "label_values", "job"}
NAME = re.compile(r"\b([a-zA-Z_:][a-zA-Z0-9_:]*)\b(?!\s*=)")


def queries() -> list[str]:
    dashboard = json.loads(DASHBOARD.read_text())
    return [target["expr"] for panel in dashboard["panels"] for target in panel["targets"]]


def metric_names(expr: str) -> set[str]:
    """The metric names a PromQL expression reads: identifiers outside label matchers and strings."""
    bare = re.sub(r'\{[^}]*\}|"[^"]*"|\[[^\]]*\]|\bby\s*\([^)]*\)', " ", expr)
    return {
        name for name in NAME.findall(bare) if name not in PROMQL_WORDS and not name[0].isdigit()
    }


async def test_every_query_uses_exported_metrics(client: AsyncClient) -> None:
    await client.get("/health")  # so that every labelled series has a sample
    text = (await client.get("/metrics")).text
    exported = {
        sample.name for family in text_string_to_metric_families(text) for sample in family.samples
    }
    used = set().union(*(metric_names(expr) for expr in queries()))
    assert used, "the dashboard has no queries"
    assert used <= exported, f"not exported: {sorted(used - exported)}"
    assert {
        "http_requests_total",
        "http_request_duration_seconds_bucket",
        "db_pool_connections_in_use",
    } <= used


def test_the_name_extraction_sees_every_metric() -> None:
    """The check above can fail: a made-up metric in a query is found."""
    assert metric_names('sum by (route) (rate(made_up_total{job=~"$job"}[5m]))') == {
        "made_up_total"
    }
