"""docker-compose.yaml (for real deployments) parses and wires the components consistently."""

from __future__ import annotations

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def _compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yaml").read_text())


def test_airflow_components_share_the_jwt_secret_and_connections():
    services = _compose()["services"]
    components = ["api-server", "scheduler", "dag-processor", "triggerer"]
    assert set(components) <= set(services)
    secrets = {services[c]["environment"]["AIRFLOW__API_AUTH__JWT_SECRET"] for c in components}
    assert len(secrets) == 1 and secrets.pop().startswith("${"), "one JWT secret, from the environment"
    for component in components:
        env = services[component]["environment"]
        for conn_id in ("JARING_DB", "DUKCAPIL_API", "DTSEN_DB", "BPJS_TK_API", "SMTP_DEFAULT"):
            assert env[f"AIRFLOW_CONN_{conn_id}"].startswith("${"), "connections never hard-coded"


def test_metadata_database_is_postgres_and_migrated_before_the_components_start():
    services = _compose()["services"]
    assert services["postgres"]["image"].startswith("postgres:15")
    init = services["airflow-init"]
    assert init["entrypoint"] == "/bin/bash" and init["command"][0] == "-c"
    assert init["command"][1] == "airflow db migrate && jaring db migrate"  # metadata, then the warehouse
    for component in ("api-server", "scheduler", "dag-processor", "triggerer"):
        assert services[component]["depends_on"]["airflow-init"]["condition"] == "service_completed_successfully"
