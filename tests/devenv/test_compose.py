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
    assert init["command"][1].startswith("airflow db migrate && jaring db migrate &&")  # metadata, then the warehouse
    for component in ("api-server", "scheduler", "dag-processor", "triggerer"):
        assert services[component]["depends_on"]["airflow-init"]["condition"] == "service_completed_successfully"


AIRFLOW_SERVICES = ("airflow-init", "api-server", "scheduler", "dag-processor", "triggerer")


def test_every_component_shares_one_fernet_key_from_the_environment():
    services = _compose()["services"]
    keys = {services[c]["environment"]["AIRFLOW__CORE__FERNET_KEY"] for c in AIRFLOW_SERVICES}
    assert keys == {"${AIRFLOW_FERNET_KEY:?set AIRFLOW_FERNET_KEY (shared by every component)}"}


def test_the_first_admin_is_created_from_the_environment_by_airflow_init_only():
    services = _compose()["services"]
    init = services["airflow-init"]
    for name in ("_AIRFLOW_WWW_USER_USERNAME", "_AIRFLOW_WWW_USER_PASSWORD"):
        assert init["environment"][name].startswith(f"${{{name}:?"), "required, never a default password"
        assert all(name not in services[c]["environment"] for c in AIRFLOW_SERVICES[1:])
    script = init["command"][1]
    assert "airflow users create --role Admin" in script
    assert '--password "$${_AIRFLOW_WWW_USER_PASSWORD}"' in script  # expanded by the shell, not by compose
    assert "airflow users list" in script  # once: a rerun of airflow-init keeps the admin as it is
    # the init still has the shared settings (the anchor is merged, not replaced)
    assert init["environment"]["AIRFLOW_CONN_JARING_DB"].startswith("${")


def test_the_outbox_is_served_read_only_on_loopback_where_the_ui_links_point():
    services = _compose()["services"]
    outbox = services["outbox"]
    (mount,) = outbox["volumes"]
    source = "${JARING_OUTBOX_DIR:-./outbox}"
    assert mount == source + ":/usr/share/nginx/html:ro"  # the same folder the tasks write, read-only
    assert any(v.startswith(source + ":/srv/jaring/outbox") for v in services["scheduler"]["volumes"])
    assert all(port.startswith("127.0.0.1:") for port in outbox["ports"])
    assert outbox["user"].endswith(":0")  # reads the tasks' 0640 files through the group
    link_port = services["api-server"]["environment"]["JARING_OUTBOX_URL"].rsplit(":", 1)[1].rstrip("}")
    assert outbox["ports"][0].split(":")[1] == link_port
