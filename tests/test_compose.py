"""The compose stack, checked without a Docker engine: every service has an image or a build
of a stage that exists, healthchecks where something waits on them, dependencies with
conditions, and an environment whose every name is a setting of the app."""

import ipaddress
import re
from pathlib import Path

import pytest
import yaml

from backend.config import Settings

ROOT = Path(__file__).resolve().parent.parent
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]
DOCKERFILE = (ROOT / "Dockerfile").read_text()
STAGES = set(re.findall(r"^FROM\s+\S+\s+AS\s+(\S+)", DOCKERFILE, re.MULTILINE | re.IGNORECASE))
APP_SERVICES = ("migrate", "api", "worker")
LONG_RUNNING_WITH_PORTS = ("db", "redis", "api", "web", "mailpit")


def environment(service: dict) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    return env


def test_the_stack_has_every_service():
    assert set(SERVICES) == {"db", "redis", "migrate", "api", "worker", "web", "mailpit"}


@pytest.mark.parametrize("name", sorted(SERVICES))
def test_each_service_has_an_image_or_a_build_of_an_existing_stage(name):
    service = SERVICES[name]
    assert "image" in service or "build" in service
    build = service.get("build")
    if build is not None:
        assert build["context"] == "."
        assert build["target"] in STAGES


def test_the_dockerfile_has_the_client_api_and_web_stages():
    assert {"client", "api", "web"} <= STAGES
    assert "npm ci --omit=dev" in DOCKERFILE
    assert re.search(r"^FROM node:\S+ AS client", DOCKERFILE, re.MULTILINE)
    assert re.search(r"^FROM python:\S+ AS api", DOCKERFILE, re.MULTILINE)
    assert re.search(r"^FROM nginx:\S+ AS web", DOCKERFILE, re.MULTILINE)
    assert (ROOT / "deploy" / "nginx.conf").is_file()


@pytest.mark.parametrize("name", LONG_RUNNING_WITH_PORTS)
def test_services_others_wait_for_have_a_healthcheck(name):
    check = SERVICES[name]["healthcheck"]
    assert check["test"][0] in ("CMD", "CMD-SHELL")
    assert "interval" in check and "retries" in check


def test_every_dependency_names_a_condition_that_can_be_met():
    for name, service in SERVICES.items():
        depends_on = service.get("depends_on", {})
        assert isinstance(depends_on, dict), f"{name}: depends_on needs conditions"
        for dependency, spec in depends_on.items():
            assert dependency in SERVICES, f"{name} -> {dependency}"
            condition = spec["condition"]
            if condition == "service_healthy":
                assert "healthcheck" in SERVICES[dependency], f"{name} -> {dependency}"
            else:
                assert condition == "service_completed_successfully"
                assert SERVICES[dependency].get("restart") == "no", "a one-off job"


def test_the_api_starts_after_migrations_and_the_proxy_after_the_api():
    for name in ("api", "worker"):
        assert SERVICES[name]["depends_on"]["migrate"]["condition"] == (
            "service_completed_successfully"
        )
    assert SERVICES["migrate"]["command"] == ["stagematch", "migrate"]
    assert SERVICES["migrate"]["depends_on"]["db"]["condition"] == "service_healthy"
    assert SERVICES["web"]["depends_on"]["api"]["condition"] == "service_healthy"


def test_the_api_can_scale_behind_the_proxy():
    api = SERVICES["api"]
    # A published port would clash with `--scale api=3`; nginx is the only way in.
    assert "ports" not in api and "container_name" not in api
    assert api["command"][:4] == ["stagematch", "serve", "--host", "0.0.0.0"]
    assert "/healthz" in " ".join(api["healthcheck"]["test"])
    assert SERVICES["web"]["ports"] == ["8080:80"]
    assert SERVICES["worker"]["command"][:2] == ["stagematch", "mail-worker"]


@pytest.mark.parametrize("name", APP_SERVICES)
def test_app_environment_names_are_settings(name):
    env = environment(SERVICES[name])
    fields = set(Settings.model_fields)
    unknown = {key for key in env if key.lower() not in fields}
    assert not unknown, f"{name}: not settings: {unknown}"
    assert env["ENVIRONMENT"] == "production"
    assert env["DATABASE_URL"].startswith("postgresql://")
    assert env["DATABASE_URL"].split("@")[1].startswith("db:5432/")
    assert env["REDIS_URL"] == "redis://redis:6379/0"
    # One mail worker for the stack, not one per API replica.
    assert env["MAIL_WORKER_IN_PROCESS"] == "false"


def test_example_env_file_names_are_settings_with_the_secrets_to_fill_in():
    example = ROOT / "deploy" / "env.production.example"
    names = {
        line.split("=", 1)[0]
        for line in example.read_text().splitlines()
        if line and not line.startswith("#")
    }
    assert {"SECRET_KEY", "DATA_KEY", "BLIND_INDEX_KEY"} <= names
    assert {name.lower() for name in names} <= set(Settings.model_fields)
    for name in APP_SERVICES:
        assert SERVICES[name]["env_file"] == ".env.production"


def test_mail_goes_to_mailpit_in_the_stack():
    example = (ROOT / "deploy" / "env.production.example").read_text()
    assert "SMTP_HOST=mailpit" in example and "SMTP_PORT=1025" in example
    assert "8025:8025" in SERVICES["mailpit"]["ports"]


# The directives of the shipped nginx config, without its comments.
NGINX = re.sub(r"#.*", "", (ROOT / "deploy" / "nginx.conf").read_text())


def _location(prefix: str) -> str:
    block = NGINX[NGINX.index(f"location {prefix} {{") :]
    return block[: block.index("}")]


def test_nginx_streams_events_and_proxies_the_api_the_probes_and_the_page():
    assert "proxy_buffering off" in _location("= /api/v1/events")
    for prefix in ("= /api/v1/events", "/api/", "= /healthz", "= /readyz", "/"):
        assert "proxy_pass http://stagematch_api;" in _location(prefix), prefix
    assert "X-Request-ID $stagematch_request_id" in NGINX


def test_nginx_states_the_client_address_instead_of_appending_to_the_clients():
    assert "proxy_set_header X-Forwarded-For $remote_addr;" in NGINX
    assert "$proxy_add_x_forwarded_for" not in NGINX


def test_nginx_passes_the_apps_answers_through_and_keeps_every_replica():
    # Behaviour through a real nginx: tests/test_proxy_reliability.py; these name the reasons.
    assert "proxy_intercept_errors" not in NGINX
    next_upstream = re.findall(r"^\s*proxy_next_upstream (.*);", NGINX, re.MULTILINE)
    assert next_upstream == ["error timeout"]
    assert "non_idempotent" not in NGINX
    assert re.search(r"^\s*server api:8000 max_fails=0;", NGINX, re.MULTILINE)


def test_nginx_types_the_client_modules_itself():
    for prefix in ("/src/", "/node_modules/"):
        assert "text/javascript js mjs;" in _location(prefix).replace("\n", " "), prefix


def test_the_api_believes_forwarded_headers_from_nginx_alone():
    api = SERVICES["api"]
    assert "--forwarded-allow-ips" not in api["command"]
    trusted = environment(api)["FORWARDED_ALLOW_IPS"]
    web_address = SERVICES["web"]["networks"]["default"]["ipv4_address"]
    assert trusted == web_address
    subnet = COMPOSE["networks"]["default"]["ipam"]["config"][0]["subnet"]
    assert ipaddress.ip_address(web_address) in ipaddress.ip_network(subnet)


def test_the_build_context_leaves_out_secrets_and_local_state():
    ignored = (ROOT / ".dockerignore").read_text().splitlines()
    for entry in (".env", ".venv", "var", "frontend/node_modules", ".git"):
        assert entry in ignored
