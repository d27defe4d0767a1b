"""Typed reading of environment variables, and the broker address from MQTT_URL."""

from __future__ import annotations

import dataclasses

import pytest

from csms_common.config import (
    DEFAULT_MQTT_URL,
    DEFAULT_REDIS_URL,
    ConfigError,
    Environment,
    MqttSettings,
    SettingDoc,
)


def test_defaults() -> None:
    assert DEFAULT_MQTT_URL == "mqtt://127.0.0.1:1883"
    assert DEFAULT_REDIS_URL == "redis://127.0.0.1:6379/0"
    assert issubclass(ConfigError, ValueError)


def test_environment_reads_os_environ_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CSMS_UNIT_TEST_VALUE", "from-os")
    assert Environment().text("CSMS_UNIT_TEST_VALUE", "default", about="x") == "from-os"


def test_environment_copies_its_mapping() -> None:
    values = {"A": "1"}
    env = Environment(values)
    values["A"] = "2"
    assert env.integer("A", 0, about="x") == 1


@pytest.mark.parametrize(
    ("values", "expected"),
    [({}, "default"), ({"X": "value"}, "value"), ({"X": ""}, ""), ({"X": " padded "}, " padded ")],
)
def test_text(values: dict[str, str], expected: str) -> None:
    assert Environment(values).text("X", "default", about="x") == expected


@pytest.mark.parametrize(("values", "expected"), [({}, None), ({"X": ""}, None), ({"X": "v"}, "v")])
def test_optional_text(values: dict[str, str], expected: str | None) -> None:
    assert Environment(values).optional_text("X", about="x") == expected


@pytest.mark.parametrize(
    ("values", "minimum", "expected"),
    [
        ({}, None, 7),
        ({"X": ""}, None, 7),
        ({"X": "42"}, None, 42),
        ({"X": "-3"}, None, -3),
        ({"X": " 5 "}, None, 5),
        ({"X": "5"}, 5, 5),
        ({}, 100, 7),  # the default is not checked against the minimum
    ],
)
def test_integer(values: dict[str, str], minimum: int | None, expected: int) -> None:
    assert Environment(values).integer("X", 7, minimum=minimum, about="x") == expected


@pytest.mark.parametrize(
    ("raw", "minimum", "message"),
    [
        ("abc", None, "X must be an integer, got 'abc'"),
        ("1.5", None, "X must be an integer, got '1.5'"),
        ("1e3", None, "X must be an integer, got '1e3'"),
        ("4", 5, "X must be at least 5, got 4"),
        ("-1", 0, "X must be at least 0, got -1"),
    ],
)
def test_integer_errors(raw: str, minimum: int | None, message: str) -> None:
    with pytest.raises(ConfigError) as raised:
        Environment({"X": raw}).integer("X", 7, minimum=minimum, about="x")
    assert str(raised.value) == message


@pytest.mark.parametrize(
    ("values", "minimum", "expected"),
    [
        ({}, None, 2.5),
        ({"X": ""}, None, 2.5),
        ({"X": "0.25"}, None, 0.25),
        ({"X": "3"}, None, 3.0),
        ({"X": "1e-1"}, 0.1, 0.1),
    ],
)
def test_number(values: dict[str, str], minimum: float | None, expected: float) -> None:
    assert Environment(values).number("X", 2.5, minimum=minimum, about="x") == expected


@pytest.mark.parametrize(
    ("raw", "minimum", "message"),
    [
        ("fast", None, "X must be a number, got 'fast'"),
        ("1,5", None, "X must be a number, got '1,5'"),
        ("0.05", 0.1, "X must be at least 0.1, got 0.05"),
        ("-inf", 0, "X must be a finite number, got '-inf'"),
    ],
)
def test_number_errors(raw: str, minimum: float | None, message: str) -> None:
    with pytest.raises(ConfigError) as raised:
        Environment({"X": raw}).number("X", 2.5, minimum=minimum, about="x")
    assert str(raised.value) == message


@pytest.mark.parametrize("raw", ["nan", "NaN", "-nan"])
def test_number_refuses_nan(raw: str) -> None:
    with pytest.raises(ConfigError):
        Environment({"X": raw}).number("X", 2.5, minimum=0.1, about="x")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1", True),
        ("true", True),
        ("TRUE", True),
        (" Yes ", True),
        ("on", True),
        ("0", False),
        ("false", False),
        ("False", False),
        ("no", False),
        ("OFF", False),
    ],
)
def test_boolean(raw: str, expected: bool) -> None:
    assert Environment({"X": raw}).boolean("X", not expected, about="x") is expected


@pytest.mark.parametrize("default", [True, False])
def test_boolean_default(default: bool) -> None:
    assert Environment({}).boolean("X", default, about="x") is default
    assert Environment({"X": ""}).boolean("X", default, about="x") is default


@pytest.mark.parametrize("raw", ["2", "y", "enabled", "t rue"])
def test_boolean_errors(raw: str) -> None:
    with pytest.raises(ConfigError) as raised:
        Environment({"X": raw}).boolean("X", False, about="x")
    assert str(raised.value) == f"X must be true or false, got {raw!r}"


def test_choice() -> None:
    allowed = ("token", "none")
    assert Environment({}).choice("X", "token", allowed, about="x") == "token"
    assert Environment({"X": "none"}).choice("X", "token", allowed, about="x") == "none"
    with pytest.raises(ConfigError) as raised:
        Environment({"X": "Token"}).choice("X", "token", allowed, about="x")
    assert str(raised.value) == "X must be one of token, none, got 'Token'"


def _mqtt(values: dict[str, str]) -> MqttSettings:
    return MqttSettings.from_environment(Environment(values))


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({}, MqttSettings("127.0.0.1", 1883, None, None, False, 30)),
        ({"MQTT_URL": "mqtt://broker"}, MqttSettings("broker", 1883, None, None, False, 30)),
        ({"MQTT_URL": "mqtts://broker"}, MqttSettings("broker", 8883, None, None, True, 30)),
        ({"MQTT_URL": "tcp://broker:1884"}, MqttSettings("broker", 1884, None, None, False, 30)),
        ({"MQTT_URL": "ssl://broker"}, MqttSettings("broker", 8883, None, None, True, 30)),
        ({"MQTT_URL": "mqtts://broker:443/"}, MqttSettings("broker", 443, None, None, True, 30)),
        ({"MQTT_URL": "mqtt://Broker.Example"}, MqttSettings("broker.example", 1883, None, None, False, 30)),
        ({"MQTT_URL": "mqtt://[::1]:1883"}, MqttSettings("::1", 1883, None, None, False, 30)),
        (
            {"MQTT_URL": "mqtt://user:secret@broker:1883"},
            MqttSettings("broker", 1883, "user", "secret", False, 30),
        ),
        ({"MQTT_URL": "mqtt://user@broker"}, MqttSettings("broker", 1883, "user", None, False, 30)),
        (
            {"MQTT_URL": "mqtt://user:secret@broker", "MQTT_USERNAME": "env-user", "MQTT_PASSWORD": "env-pw"},
            MqttSettings("broker", 1883, "env-user", "env-pw", False, 30),
        ),
        (
            {"MQTT_URL": "mqtt://user:secret@broker", "MQTT_USERNAME": "", "MQTT_PASSWORD": ""},
            MqttSettings("broker", 1883, "user", "secret", False, 30),
        ),
        ({"MQTT_USERNAME": "u", "MQTT_PASSWORD": "p"}, MqttSettings("127.0.0.1", 1883, "u", "p", False, 30)),
        ({"MQTT_KEEPALIVE": "5"}, MqttSettings("127.0.0.1", 1883, None, None, False, 5)),
        ({"MQTT_KEEPALIVE": "120"}, MqttSettings("127.0.0.1", 1883, None, None, False, 120)),
    ],
)
def test_mqtt_settings_from_environment(values: dict[str, str], expected: MqttSettings) -> None:
    assert _mqtt(values) == expected


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"MQTT_URL": "http://broker"}, "MQTT_URL must start with mqtt:// or mqtts://, got 'http://broker'"),
        ({"MQTT_URL": "broker:1883"}, "MQTT_URL must start with mqtt:// or mqtts://, got 'broker:1883'"),
        ({"MQTT_URL": ""}, "MQTT_URL must start with mqtt:// or mqtts://, got ''"),
        ({"MQTT_URL": "mqtt://"}, "MQTT_URL has no host: 'mqtt://'"),
        ({"MQTT_URL": "mqtt://:1883"}, "MQTT_URL has no host: 'mqtt://:1883'"),
        ({"MQTT_KEEPALIVE": "4"}, "MQTT_KEEPALIVE must be at least 5, got 4"),
        ({"MQTT_KEEPALIVE": "often"}, "MQTT_KEEPALIVE must be an integer, got 'often'"),
    ],
)
def test_mqtt_settings_errors(values: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError) as raised:
        _mqtt(values)
    assert str(raised.value) == message


@pytest.mark.parametrize("url", ["mqtt://broker:abc", "mqtt://broker:99999", "mqtt://broker:-1"])
def test_mqtt_settings_bad_port_is_a_config_error(url: str) -> None:
    with pytest.raises(ConfigError):
        _mqtt({"MQTT_URL": url})


def test_mqtt_settings_decode_percent_encoded_credentials() -> None:
    settings = _mqtt({"MQTT_URL": "mqtt://us%40er:p%3Aw%2Fd%40@broker"})
    assert (settings.username, settings.password) == ("us@er", "p:w/d@")


@pytest.mark.parametrize(
    ("settings", "url"),
    [
        (MqttSettings("broker", 1883, "user", "secret", False, 30), "mqtt://broker:1883"),
        (MqttSettings("broker", 8883, None, None, True, 30), "mqtts://broker:8883"),
    ],
)
def test_mqtt_url_has_no_credentials(settings: MqttSettings, url: str) -> None:
    assert settings.url == url


def test_mqtt_settings_are_frozen() -> None:
    settings = _mqtt({})
    with pytest.raises(dataclasses.FrozenInstanceError):
        settings.host = "other"  # type: ignore[misc]


def test_every_read_is_remembered_once_with_its_default_and_about() -> None:
    env = Environment({"B": "9"})
    env.integer("B", 3, about="bee")
    env.text("A", "", about="ay")
    env.number("C", 2.0, about="sea", shown="twice the heartbeat")
    env.boolean("D", False, about="dee")
    env.integer("B", 4, about="read again")
    assert env.read == (
        SettingDoc("B", "3", "bee"),
        SettingDoc("A", "none", "ay"),
        SettingDoc("C", "twice the heartbeat", "sea"),
        SettingDoc("D", "false", "dee"),
    )


def test_mqtt_settings_document_every_variable_they_read() -> None:
    env = Environment({})
    MqttSettings.from_environment(env)
    names = {setting.name for setting in env.read}
    assert {"MQTT_URL", "MQTT_CA_FILE", "MQTT_CERT_FILE", "MQTT_KEY_FILE", "MQTT_KEEPALIVE"} <= names
    assert "MQTT_RECEIVE_MAXIMUM" in names
