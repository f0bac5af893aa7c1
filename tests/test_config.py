"""load_config from a plain dict: defaults, validation, and production refusing to start without its secrets."""
from __future__ import annotations

from datetime import timedelta

import pytest

from bot.bootstrap import build_services, create_app, load_config
from bot.core.config import DEV_SECRET, DEV_TOKEN_KEY, Config, ConfigError
from integrations.google_meet.settings import GoogleSettings
from integrations.zoom.settings import ZoomSettings

PRODUCTION = {
    "APP_ENV": "production",
    "DATABASE_URL": "postgresql://bot@db/mynextslot",
    "PUBLIC_BASE_URL": "https://bot.mynextslot.com/",
    "SECRET_KEY": "a-real-secret",
    "TWILIO_ACCOUNT_SID": "AC" + "0" * 32,
    "TWILIO_AUTH_TOKEN": "twilio-token",
    "TWILIO_WHATSAPP_FROM": "whatsapp:+14155238886",
    "SMTP_URL": "smtp://mail.example:25",
    "TOKEN_ENCRYPTION_KEY": "dGVzdC1vbmx5LWtleS10ZXN0LW9ubHkta2V5LTEyMzQ=",
}


def test_empty_environment_gives_the_defaults():
    config = load_config({})
    # development without Zoom, Google or Twilio credentials: the local fake Zoom and fake Google, the WhatsApp sandbox
    assert config == Config(platforms={"zoom": ZoomSettings(sandbox=True), "google_meet": GoogleSettings(sandbox=True)},
                            whatsapp_sandbox=True)
    assert config.env == "development" and not config.production
    assert config.database_url.startswith("sqlite:///") and config.database_url.endswith("mynextslot.db")
    assert config.idle_reset == timedelta(hours=24) and config.trial_days == 14
    assert config.support_email == "hello@mynextslot.com"
    assert not config.twilio_enabled and config.twilio_template_content_sid == ""


def test_values_are_read_trimmed_and_normalised():
    config = load_config({"PUBLIC_BASE_URL": " https://x.example/ ", "LOG_LEVEL": "debug", "IDLE_RESET_HOURS": "1.5",
                          "TWILIO_TEMPLATE_CONTENT_SID": "HX" + "a" * 32, "SUPPORT_EMAIL": "help@x.example",
                          "TOKEN_ENCRYPTION_KEY": " new , old ,", "SECRET_KEY": "   "})
    assert config.public_base_url == "https://x.example"
    assert config.log_level == "DEBUG"
    assert config.idle_reset == timedelta(hours=1, minutes=30)
    assert config.twilio_template_content_sid == "HX" + "a" * 32
    assert config.support_email == "help@x.example"
    assert config.token_encryption_keys == ("new", "old")
    assert config.secret_key == DEV_SECRET, "blank counts as unset"


def test_nothing_is_read_from_os_environ_when_a_dict_is_given(monkeypatch):
    monkeypatch.setenv("APP_ENV", "production")
    monkeypatch.setenv("SUPPORT_EMAIL", "env@x.example")
    assert load_config({}).support_email == "hello@mynextslot.com"


def test_twilio_is_enabled_with_all_three_settings():
    config = load_config({k: PRODUCTION[k] for k in ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN",
                                                     "TWILIO_WHATSAPP_FROM")})
    assert config.twilio_enabled


@pytest.mark.parametrize("value", ["+14155238886", "14155238886", "whatsapp:14155238886", "sms:+14155238886",
                                   "whatsapp:+", "whatsapp:+1 415 abc", "whatsapp:+0123456789"])
def test_bad_twilio_whatsapp_from_is_refused_by_name(value):
    with pytest.raises(ConfigError, match="TWILIO_WHATSAPP_FROM"):
        load_config({"TWILIO_WHATSAPP_FROM": value})


@pytest.mark.parametrize("value", ["abc", "0", "-3", "nan", "inf"])
def test_bad_idle_reset_is_refused_by_name(value):
    with pytest.raises(ConfigError, match="IDLE_RESET_HOURS"):
        load_config({"IDLE_RESET_HOURS": value})


def test_complete_production_settings_load():
    config = load_config(PRODUCTION)
    assert config.production and config.twilio_enabled
    assert config.public_base_url == "https://bot.mynextslot.com"


@pytest.mark.parametrize("name", [n for n in PRODUCTION if n != "APP_ENV"])
def test_production_missing_a_secret_names_it(name):
    env = {k: v for k, v in PRODUCTION.items() if k != name}
    with pytest.raises(ConfigError, match=name) as error:
        load_config(env)
    others = [n for n in PRODUCTION if n not in (name, "APP_ENV")]
    assert not any(other in str(error.value) for other in others if other not in name)


def test_production_names_every_missing_secret_at_once():
    with pytest.raises(ConfigError) as error:
        load_config({"APP_ENV": "production", "SECRET_KEY": "x", "TWILIO_AUTH_TOKEN": " "})
    text = str(error.value)
    for name in ("DATABASE_URL", "PUBLIC_BASE_URL", "TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "SMTP_URL",
                 "TOKEN_ENCRYPTION_KEY"):
        assert name in text
    assert "SECRET_KEY" not in text


def test_production_secret_values_are_never_echoed():
    env = {**PRODUCTION, "SMTP_URL": ""}
    with pytest.raises(ConfigError) as error:
        load_config(env)
    assert not any(value in str(error.value) for value in (PRODUCTION["SECRET_KEY"], PRODUCTION["TWILIO_AUTH_TOKEN"]))


@pytest.mark.parametrize("changes, name", [
    ({"SECRET_KEY": DEV_SECRET}, "SECRET_KEY"),
    ({"TOKEN_ENCRYPTION_KEY": DEV_TOKEN_KEY}, "TOKEN_ENCRYPTION_KEY"),
    ({"PUBLIC_BASE_URL": "http://bot.mynextslot.com"}, "PUBLIC_BASE_URL"),
    ({"ZOOM_CLIENT_ID": "zoom-id"}, "ZOOM_CLIENT_SECRET"),
    ({"ZOOM_CLIENT_ID": "zoom-id", "ZOOM_CLIENT_SECRET": "s"}, "ZOOM_WEBHOOK_SECRET_TOKEN"),
])
def test_production_refuses_unsafe_values_by_name(changes, name):
    with pytest.raises(ConfigError, match=name):
        load_config({**PRODUCTION, **changes})


def test_production_app_refuses_to_start_without_a_secret(monkeypatch):
    for key, value in PRODUCTION.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("TWILIO_AUTH_TOKEN")
    with pytest.raises(ConfigError, match="TWILIO_AUTH_TOKEN"):
        create_app()


def test_development_needs_no_secrets():
    assert load_config({"APP_ENV": "development"}).secret_key == DEV_SECRET


def test_healthz_reports_an_unreachable_database(config):
    broken = create_app(config.with_(database_url="postgresql://nobody@127.0.0.1:1/none"))
    response = broken.test_client().get("/healthz", base_url=config.public_base_url)
    assert response.status_code == 503 and response.json["status"] == "database unreachable"


def test_zoom_sandbox_is_off_with_real_credentials_and_refused_in_production():
    assert load_config({"ZOOM_CLIENT_ID": "id", "ZOOM_CLIENT_SECRET": "secret"}).platform("zoom").sandbox is False
    assert load_config({"ZOOM_SANDBOX": "0"}).platform("zoom").sandbox is False
    with pytest.raises(ConfigError, match="ZOOM_SANDBOX"):
        load_config({"ZOOM_SANDBOX": "maybe"})


@pytest.mark.parametrize("value, env", [("production", "production"), ("Production", "production"),
                                        (" PRODUCTION ", "production"), ("Development", "development"),
                                        ("test", "test"), ("TEST", "test")])
def test_app_env_is_one_of_three_known_values_in_any_case(value, env):
    base = PRODUCTION if env == "production" else {}
    assert load_config({**base, "APP_ENV": value}).env == env


@pytest.mark.parametrize("value", ["Production", "PRODUCTION"])
def test_production_in_any_case_enforces_the_production_checks(value):
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        load_config({"APP_ENV": value})
    with pytest.raises(ConfigError, match="SECRET_KEY / TOKEN_ENCRYPTION_KEY"):
        load_config({**PRODUCTION, "APP_ENV": value, "SECRET_KEY": DEV_SECRET})


@pytest.mark.parametrize("value", ["prod", "staging", "dev", "testing", "production2", "prod uction", "live"])
def test_an_unknown_app_env_stops_start_up_by_name(value):
    with pytest.raises(ConfigError, match="APP_ENV") as error:
        load_config({**PRODUCTION, "APP_ENV": value})
    assert "development, test, production" in str(error.value)


def test_an_unknown_env_in_code_is_refused_too():
    with pytest.raises(ConfigError, match="env"):
        Config(env="staging")


def test_the_sandbox_default_follows_the_normalised_env():
    assert load_config({"APP_ENV": "Development"}).platform("zoom").sandbox is True
    assert load_config({"APP_ENV": "test"}).platform("zoom").sandbox is False


def test_services_build_from_a_config_made_in_code_without_platform_settings(tmp_path):
    """Benchmarks and operators' scripts build Config(...) directly: no platform is then set up, nothing fails."""
    services = build_services(Config(env="test", database_url=f"sqlite:///{tmp_path / 'x.db'}",
                                     task_queue_url="immediate"))
    assert services.video.names() == []
