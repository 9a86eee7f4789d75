"""docker-compose.yaml (for real deployments) parses, and everything it names exists.

No Docker engine runs here: the file is read with PyYAML. Its services, images, volumes, variables and
commands are checked against what they name: the Dockerfile's stages, pinned official images, Airflow 3.3's
own command line and configuration (in a subprocess, as CeleryExecutor with the FAB auth manager), and the
`jaring` / `jaring-dev` commands of this checkout.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
AIRFLOW_IMAGE = "jaring-airflow:latest"  # built from the Dockerfile's `jaring` stage
OFFICIAL_IMAGES = {"postgres", "redis", "nginxinc/nginx-unprivileged"}
WORKERS = ("airflow-worker", "airflow-worker-2")
COMPONENTS = ("airflow-apiserver", "airflow-scheduler", "airflow-dag-processor", "airflow-triggerer", *WORKERS)
AIRFLOW_SERVICES = ("airflow-init", *COMPONENTS)
# programs of the images themselves (Airflow's image: curl, python, bash; postgres: pg_isready; redis: redis-*)
SYSTEM_PROGRAMS = {"curl", "python", "pg_isready", "redis-cli", "redis-server", "grep"}
SHELL_OPERATORS = {"&&", "||", ";", "|", "{", "}"}


def _compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yaml").read_text())


def _services() -> dict:
    return _compose()["services"]


def _mount(spec: str) -> tuple[str, str]:
    """(source, target) of a short-syntax volume; the source may be `${VAR:-default}`."""
    source, target = re.fullmatch(r"(\$\{[^}]*\}|[^:]+):([^:]+)(?::ro|:rw)?", spec).groups()
    return source, target


def _shell_commands(script: str) -> list[list[str]]:
    """The simple commands a `sh -c` script runs (split at &&, ||, ;, |, braces; `exec` dropped)."""
    lexer = shlex.shlex(script, posix=True, punctuation_chars=True)
    lexer.whitespace_split = True
    commands, current = [], []
    for token in lexer:
        if token in SHELL_OPERATORS:
            commands, current = commands + ([current] if current else []), []
        else:
            current.append(token)
    commands += [current] if current else []
    return [argv[1:] if argv[0] == "exec" else argv for argv in commands]


def _expand(argv: list[str]) -> list[list[str]]:
    if argv[0] in ("/bin/bash", "bash", "sh") and argv[1] == "-c":
        return _shell_commands(argv[2])
    return [argv]


def _command_lines() -> dict[str, list[list[str]]]:
    """Every command line each service runs: its entrypoint and command (through Airflow's entrypoint, which
    runs `airflow <command>`, when the image is ours and the entrypoint not replaced) and its healthcheck."""
    found = {}
    for name, service in _services().items():
        lines = []
        entrypoint, command = service.get("entrypoint"), service.get("command")
        entrypoint = [entrypoint] if isinstance(entrypoint, str) else (entrypoint or [])
        command = shlex.split(command) if isinstance(command, str) else (command or [])
        if entrypoint or command:
            argv = entrypoint + command
            if not entrypoint and service.get("image") == AIRFLOW_IMAGE:
                argv = ["airflow", *argv]
            lines += _expand(argv)
        test = service.get("healthcheck", {}).get("test")
        if test:
            lines += _expand(test[1:] if test[0] == "CMD" else ["sh", "-c", test[1]])
        found[name] = lines
    return found


def _airflow_checks(argvs: list[list[str]], env_keys: list[str], home: Path) -> dict:
    """In a subprocess configured as the compose file's components: which argvs Airflow's parser rejects,
    which AIRFLOW__SECTION__KEY names no option, and whether each `celery --app` target loads."""
    common = _services()["airflow-scheduler"]["environment"]
    script = """
import json, sys
from airflow.cli.cli_parser import get_parser
argvs, keys, apps = json.loads(sys.stdin.read())
parser = get_parser()
rejected = []
for argv in argvs:
    try:
        parser.parse_args(argv)
    except SystemExit:
        rejected.append(argv)
from airflow.configuration import retrieve_configuration_description
options = retrieve_configuration_description(include_providers=True)
free_form = {"celery_broker_transport_options"}  # any key of these sections goes to the broker
def known(key):
    section, option = key.lower().split("__")[1:3]
    return section in free_form or option in options.get(section, {}).get("options", {})
unknown = [k for k in keys if not known(k)]
loaded = []
for app in apps:
    import importlib
    module, attribute = app.rsplit(".", 1)
    loaded.append(hasattr(importlib.import_module(module), attribute))
print(json.dumps({"rejected": rejected, "unknown": [k.lower() for k in unknown], "apps_loaded": loaded}))
"""
    env = {
        **os.environ,
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__EXECUTOR": common["AIRFLOW__CORE__EXECUTOR"],
        "AIRFLOW__CORE__AUTH_MANAGER": common["AIRFLOW__CORE__AUTH_MANAGER"],
        "AIRFLOW__CELERY__BROKER_URL": "redis://127.0.0.1:1/0",  # importing the Celery app connects nowhere
    }
    apps = [argv[argv.index("--app") + 1] for lines in _command_lines().values() for argv in lines
            if argv[0] == "celery"]
    done = subprocess.run([sys.executable, "-c", script], input=json.dumps([argvs, env_keys, apps]), env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    return {"apps": apps, **json.loads(done.stdout.strip().splitlines()[-1])}


@pytest.fixture(scope="module")
def airflow_checks(tmp_path_factory) -> dict:
    airflow_argvs = [argv[1:] for lines in _command_lines().values() for argv in lines if argv[0] == "airflow"]
    keys = sorted({key for service in _services().values() for key in (service.get("environment") or {})
                   if key.startswith("AIRFLOW__")})
    assert airflow_argvs and keys
    return {"argvs": airflow_argvs, **_airflow_checks(airflow_argvs, keys, tmp_path_factory.mktemp("airflow"))}


def test_every_airflow_command_is_one_airflow_3_3_knows(airflow_checks):
    assert ["celery", "worker", "--celery-hostname", "w1@%h", "--concurrency", "2"] in airflow_checks["argvs"]
    assert ["db", "migrate"] in airflow_checks["argvs"]
    assert airflow_checks["rejected"] == []


def test_every_airflow_setting_names_an_airflow_option(airflow_checks):
    assert airflow_checks["unknown"] == []


def test_the_workers_healthcheck_pings_the_celery_app_airflow_runs(airflow_checks):
    assert airflow_checks["apps"] == ["airflow.providers.celery.executors.celery_executor.app"] * len(WORKERS)
    assert all(airflow_checks["apps_loaded"])


def test_every_jaring_command_exists_in_this_checkout():
    from jaring.cli import parser as jaring_parser
    from jaring_dev.cli import parser as jaring_dev_parser

    parsers = {"jaring": jaring_parser(), "jaring-dev": jaring_dev_parser()}
    lines = [argv for found in _command_lines().values() for argv in found]
    assert ["jaring", "db", "migrate"] in lines
    for argv in lines:
        if argv[0] in parsers:
            parsers[argv[0]].parse_args(argv[1:])  # exits (fails the test) on an unknown subcommand or option
        else:
            assert argv[0] in {"airflow", "celery"} | SYSTEM_PROGRAMS, argv


def test_every_image_is_built_from_the_dockerfile_or_a_pinned_official_tag():
    stages = re.findall(r"^FROM \S+ AS (\S+)$", (ROOT / "Dockerfile").read_text(), flags=re.MULTILINE)
    for name, service in _services().items():
        build = service.get("build")
        if build:
            assert build["context"] == "." and build["target"] in stages, name
            continue
        repository, _, tag = service["image"].partition(":")
        assert repository in OFFICIAL_IMAGES and tag and tag != "latest", (name, service["image"])


def test_every_dependency_is_a_service_and_waits_only_for_what_has_a_healthcheck():
    services = _services()
    for name, service in services.items():
        for needed, how in (service.get("depends_on") or {}).items():
            assert needed in services, (name, needed)
            if how["condition"] == "service_healthy":
                assert "healthcheck" in services[needed], (name, needed)
    for name in ("postgres", "redis", *COMPONENTS):
        assert "healthcheck" in services[name], name


def test_every_volume_is_declared_and_every_variable_is_required_or_defaulted():
    compose = _compose()
    declared = set(compose["volumes"])
    used = set()
    for service in compose["services"].values():
        for mount in service.get("volumes") or []:
            source, _ = _mount(mount)
            if not source.startswith(("$", ".", "/")):
                used.add(source)
    assert used == declared
    text = (ROOT / "docker-compose.yaml").read_text()
    references = re.findall(r"(?<!\$)\$\{([A-Za-z_][A-Za-z0-9_]*)([^}]*)\}", text)
    assert references
    for variable, rest in references:
        assert rest.startswith(":-") or (rest.startswith(":?") and len(rest) > 2), (variable, rest)
    header = text.split("\nx-airflow-common:")[0]
    for secret in ("AIRFLOW_DB_PASSWORD", "REDIS_PASSWORD", "AIRFLOW_JWT_SECRET", "AIRFLOW_FERNET_KEY"):
        assert f"#   {secret}" in header, f"{secret} is documented in the file's header"


def test_celery_workers_run_the_schedulers_image_settings_and_folders():
    services = _services()
    scheduler = services["airflow-scheduler"]
    assert scheduler["environment"]["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"
    allowed_extra = {"DUMB_INIT_SETSID", "_AIRFLOW_WWW_USER_USERNAME", "_AIRFLOW_WWW_USER_PASSWORD"}
    for name in AIRFLOW_SERVICES:
        service = services[name]
        assert (service["image"], service["build"]) == (scheduler["image"], scheduler["build"]), name
        assert service["volumes"] == scheduler["volumes"], name
        env = dict(service["environment"])
        assert set(env) - set(scheduler["environment"]) <= allowed_extra, name
        assert {k: v for k, v in env.items() if k not in allowed_extra} == scheduler["environment"], name
    # the tasks run on the workers: the inbox, outbox and configuration their settings name are mounted there
    for name in WORKERS:
        env, targets = services[name]["environment"], [_mount(m)[1] for m in services[name]["volumes"]]
        for path in (env["JARING_RT_INBOX"], env["JARING_OUTBOX"], str(Path(env["JARING_POLICY"]).parent)):
            assert path in targets, (name, path)
    assert [services[w]["command"][3] for w in WORKERS] == ["w1@%h", "w2@%h"]  # two workers, two names
    # the DAG and the package are in the image every one of them runs
    dockerfile = (ROOT / "Dockerfile").read_text().split(" AS agencies")[0]
    assert "COPY --chown=airflow:0 dags /opt/airflow/dags" in dockerfile
    assert "COPY --chown=airflow:0 include /opt/jaring/include" in dockerfile
    assert "pip install --no-cache-dir --no-deps -e /opt/jaring" in dockerfile


def test_broker_and_result_backend_are_this_files_redis_and_postgres_with_secrets_from_the_environment():
    env = _services()["airflow-scheduler"]["environment"]
    assert env["AIRFLOW__CELERY__BROKER_URL"] == "redis://:${REDIS_PASSWORD:?set REDIS_PASSWORD}@redis:6379/0"
    assert env["AIRFLOW__CELERY__RESULT_BACKEND"] == "db+" + env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"]
    # result_extended: celery_taskmeta.worker names who ran a task (its imports: test_warm_workers.py)
    assert json.loads(env["AIRFLOW__CELERY__EXTRA_CELERY_CONFIG"])["result_extended"] is True
    redis = _services()["redis"]
    assert redis["environment"]["REDISCLI_AUTH"] == "${REDIS_PASSWORD:?set REDIS_PASSWORD}"
    assert "--requirepass" in redis["command"][2] and "ports" not in redis  # inside the compose network only


def test_optional_profiles_flower_and_the_simulated_agencies():
    services = _services()
    assert services["flower"]["profiles"] == ["flower"]
    assert all(port.startswith("127.0.0.1:") for port in services["flower"]["ports"])
    agencies = services["agencies"]
    assert agencies["profiles"] == ["agencies"] and agencies["build"]["target"] == "agencies"
    assert all("profiles" not in services[name] for name in ("postgres", "redis", *AIRFLOW_SERVICES, "outbox"))


def test_airflow_components_share_the_jwt_secret_and_connections():
    services = _services()
    secrets = {services[c]["environment"]["AIRFLOW__API_AUTH__JWT_SECRET"] for c in COMPONENTS}
    assert len(secrets) == 1 and secrets.pop().startswith("${"), "one JWT secret, from the environment"
    for component in COMPONENTS:
        env = services[component]["environment"]
        for conn_id in ("JARING_DB", "DUKCAPIL_API", "DTSEN_DB", "BPJS_TK_API", "SMTP_DEFAULT"):
            assert env[f"AIRFLOW_CONN_{conn_id}"].startswith("${"), "connections never hard-coded"


def test_metadata_database_is_postgres_and_migrated_before_the_components_start():
    services = _services()
    assert services["postgres"]["image"].startswith("postgres:15")
    init = services["airflow-init"]
    assert init["entrypoint"] == "/bin/bash" and init["command"][0] == "-c"
    assert init["command"][1].startswith("airflow db migrate && jaring db migrate &&")  # metadata, then the warehouse
    for component in COMPONENTS:
        assert services[component]["depends_on"]["airflow-init"]["condition"] == "service_completed_successfully"


def test_every_component_shares_one_fernet_key_from_the_environment():
    services = _services()
    keys = {services[c]["environment"]["AIRFLOW__CORE__FERNET_KEY"] for c in AIRFLOW_SERVICES}
    assert keys == {"${AIRFLOW_FERNET_KEY:?set AIRFLOW_FERNET_KEY (shared by every component)}"}


def test_the_first_admin_is_created_from_the_environment_by_airflow_init_only():
    services = _services()
    init = services["airflow-init"]
    for name in ("_AIRFLOW_WWW_USER_USERNAME", "_AIRFLOW_WWW_USER_PASSWORD"):
        assert init["environment"][name].startswith(f"${{{name}:?"), "required, never a default password"
        assert all(name not in services[c]["environment"] for c in COMPONENTS)
    script = init["command"][1]
    assert "airflow users create --role Admin" in script
    assert '--password "$${_AIRFLOW_WWW_USER_PASSWORD}"' in script  # expanded by the shell, not by compose
    assert "airflow users list" in script  # once: a rerun of airflow-init keeps the admin as it is
    # the init still has the shared settings (the anchor is merged, not replaced)
    assert init["environment"]["AIRFLOW_CONN_JARING_DB"].startswith("${")


def test_the_outbox_is_served_read_only_on_loopback_where_the_ui_links_point():
    services = _services()
    outbox = services["outbox"]
    (mount,) = outbox["volumes"]
    source = "${JARING_OUTBOX_DIR:-./outbox}"
    assert mount == source + ":/usr/share/nginx/html:ro"  # the same folder the tasks write, read-only
    for writer in ("airflow-scheduler", *WORKERS):
        assert any(v.startswith(source + ":/srv/jaring/outbox") for v in services[writer]["volumes"])
    assert all(port.startswith("127.0.0.1:") for port in outbox["ports"])
    assert outbox["user"].endswith(":0")  # reads the tasks' 0640 files through the group
    link_port = services["airflow-apiserver"]["environment"]["JARING_OUTBOX_URL"].rsplit(":", 1)[1].rstrip("}")
    assert outbox["ports"][0].split(":")[1] == link_port
