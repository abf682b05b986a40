"""Config: defaults, loaders (object, pyfile, mapping, file, env), namespaces, attributes.

Runs on Flask (oracle) and hipflask; environment variables use each side's prefix
(``FLASK_`` / ``HIPFLASK_``, the documented difference).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
import types
from pathlib import Path

import pytest
from _core_fw import FLASK, FW, HIP, drop_modules, fw_fixture

fw = fw_fixture()


def test_default_config_is_flasks() -> None:
    flask_app = FLASK.Flask(__name__)
    hip_app = HIP.Flask(__name__)
    assert dict(hip_app.config) == dict(flask_app.config)


def test_config_is_a_dict_with_root_path(fw: FW, tmp_path: Path) -> None:
    cfg = fw.Config(str(tmp_path), {"A": 1})
    assert isinstance(cfg, dict)
    assert cfg["A"] == 1
    assert cfg.root_path == str(tmp_path)
    assert repr(cfg).startswith("<Config {")


def test_from_object_class_instance_module_and_string(fw: FW) -> None:
    class Base:
        DEBUG = False
        SECRET = "s"
        lower = "ignored"
        _PRIVATE = "p"

    class Dev(Base):
        DEBUG = True

    cfg = fw.Config(".")
    cfg.from_object(Dev)
    assert cfg == {"DEBUG": True, "SECRET": "s", "_PRIVATE": "p"}  # isupper(), as Flask
    cfg = fw.Config(".")
    cfg.from_object(Dev())
    assert cfg["SECRET"] == "s"
    module = types.ModuleType("h8_cfg_mod")
    module.VALUE = 42  # type: ignore[attr-defined]
    module.value = 1  # type: ignore[attr-defined]
    sys.modules["h8_cfg_mod"] = module
    try:
        cfg = fw.Config(".")
        cfg.from_object("h8_cfg_mod")
        assert cfg == {"VALUE": 42}
        cfg = fw.Config(".")
        cfg.from_object(module)
        assert cfg == {"VALUE": 42}
    finally:
        drop_modules("h8_cfg_mod")


def test_from_object_by_dotted_attribute(fw: FW) -> None:
    module = types.ModuleType("h8_cfg_mod2")

    class Prod:
        NAME = "prod"

    module.Prod = Prod  # type: ignore[attr-defined]
    sys.modules["h8_cfg_mod2"] = module
    try:
        cfg = fw.Config(".")
        cfg.from_object("h8_cfg_mod2.Prod")
        assert cfg == {"NAME": "prod"}
        with pytest.raises(ImportError):
            cfg.from_object("h8_cfg_mod2.Missing")
    finally:
        drop_modules("h8_cfg_mod2")


def test_from_pyfile(fw: FW, tmp_path: Path) -> None:
    (tmp_path / "settings.cfg").write_text(
        "import os\nSECRET_KEY = 'dev'\nDEBUG = True\nhelper = 1\nPATH = __file__\n"
    )
    cfg = fw.Config(str(tmp_path))
    assert cfg.from_pyfile("settings.cfg") is True
    assert cfg["SECRET_KEY"] == "dev" and cfg["DEBUG"] is True
    assert "helper" not in cfg and "os" not in cfg
    assert cfg["PATH"] == str(tmp_path / "settings.cfg")
    abs_cfg = fw.Config("/nonexistent")
    abs_cfg.from_pyfile(str(tmp_path / "settings.cfg"))
    assert abs_cfg["SECRET_KEY"] == "dev"


def test_from_pyfile_missing(fw: FW, tmp_path: Path) -> None:
    cfg = fw.Config(str(tmp_path))
    assert cfg.from_pyfile("missing.cfg", silent=True) is False
    with pytest.raises(OSError) as info:
        cfg.from_pyfile("missing.cfg")
    assert "missing.cfg" in str(info.value)
    assert "Unable to load configuration file" in str(info.value)
    assert cfg.from_pyfile(str(tmp_path), silent=True) is False


def test_from_pyfile_syntax_error_propagates(fw: FW, tmp_path: Path) -> None:
    (tmp_path / "bad.py").write_text("X = (\n")
    with pytest.raises(SyntaxError) as info:
        fw.Config(str(tmp_path)).from_pyfile("bad.py")
    assert "bad.py" in str(info.value.filename)


def test_from_envvar(fw: FW, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "env.cfg").write_text("FROM_ENV = 'yes'\n")
    monkeypatch.setenv("H8_SETTINGS", str(tmp_path / "env.cfg"))
    cfg = fw.Config(str(tmp_path))
    assert cfg.from_envvar("H8_SETTINGS") is True
    assert cfg["FROM_ENV"] == "yes"
    monkeypatch.delenv("H8_SETTINGS")
    assert cfg.from_envvar("H8_SETTINGS", silent=True) is False
    with pytest.raises(RuntimeError) as info:
        cfg.from_envvar("H8_SETTINGS")
    assert "H8_SETTINGS" in str(info.value)


def test_from_mapping(fw: FW) -> None:
    cfg = fw.Config(".")
    assert cfg.from_mapping({"A": 1, "b": 2}, C=3, d=4) is True
    assert cfg == {"A": 1, "C": 3}
    assert cfg.from_mapping() is True
    cfg.from_mapping([("E", 5)])  # an iterable of pairs, as dict() accepts
    assert cfg["E"] == 5


def test_from_file_json_and_toml(fw: FW, tmp_path: Path) -> None:
    (tmp_path / "c.json").write_text(json.dumps({"JSON_KEY": [1, 2], "lower": 1}))
    cfg = fw.Config(str(tmp_path))
    assert cfg.from_file("c.json", load=json.load) is True
    assert cfg == {"JSON_KEY": [1, 2]}
    assert cfg.from_file("nope.json", load=json.load, silent=True) is False
    with pytest.raises(OSError) as info:
        cfg.from_file("nope.json", load=json.load)
    assert "nope.json" in str(info.value)
    if sys.version_info >= (3, 11):
        import tomllib

        (tmp_path / "c.toml").write_text('TOML_KEY = "t"\n[SECTION]\nx = 1\n')
        cfg.from_file("c.toml", load=tomllib.load, text=False)
        assert cfg["TOML_KEY"] == "t" and cfg["SECTION"] == {"x": 1}


def _clear_env(monkeypatch: pytest.MonkeyPatch, prefix: str) -> None:
    for key in list(os.environ):
        if key.startswith(prefix + "_"):
            monkeypatch.delenv(key)


def test_from_prefixed_env(fw: FW, monkeypatch: pytest.MonkeyPatch) -> None:
    p = fw.env_prefix
    _clear_env(monkeypatch, p)
    monkeypatch.setenv(f"{p}_SECRET_KEY", "s3cr3t")
    monkeypatch.setenv(f"{p}_INT", "10")
    monkeypatch.setenv(f"{p}_BOOL", "true")
    monkeypatch.setenv(f"{p}_LIST", "[1, 2]")
    monkeypatch.setenv(f"{p}_NULL", "null")
    monkeypatch.setenv(f"{p}_STR", "not json {")
    monkeypatch.setenv(f"{p}_DB__HOST", "h")
    monkeypatch.setenv(f"{p}_DB__PORT", "5432")
    monkeypatch.setenv("OTHER_THING", "x")
    cfg = fw.Config(".")
    assert cfg.from_prefixed_env() is True
    assert cfg["SECRET_KEY"] == "s3cr3t"
    assert cfg["INT"] == 10
    assert cfg["BOOL"] is True
    assert cfg["LIST"] == [1, 2]
    assert cfg["NULL"] is None
    assert cfg["STR"] == "not json {"
    assert cfg["DB"] == {"HOST": "h", "PORT": 5432}
    assert "OTHER_THING" not in cfg and "THING" not in cfg


def test_from_prefixed_env_nested_into_existing_dict(
    fw: FW, monkeypatch: pytest.MonkeyPatch
) -> None:
    p = fw.env_prefix
    _clear_env(monkeypatch, p)
    monkeypatch.setenv(f"{p}_DB__USER", "u")
    cfg = fw.Config(".", {"DB": {"HOST": "keep"}})
    cfg.from_prefixed_env()
    assert cfg["DB"] == {"HOST": "keep", "USER": "u"}


def test_from_prefixed_env_custom_prefix_and_loads(fw: FW, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MYAPP_KEY", "5")
    cfg = fw.Config(".")
    cfg.from_prefixed_env("MYAPP", loads=lambda v: f"<{v}>")
    assert cfg["KEY"] == "<5>"


def test_hipflask_prefix_is_hipflask(monkeypatch: pytest.MonkeyPatch) -> None:
    _clear_env(monkeypatch, "HIPFLASK")
    monkeypatch.setenv("FLASK_ONLY_FLASK", "1")
    monkeypatch.setenv("HIPFLASK_ONLY_HIP", "2")
    cfg = HIP.Config(".")
    cfg.from_prefixed_env()
    assert cfg.get("ONLY_HIP") == 2 and "ONLY_FLASK" not in cfg


def test_get_namespace(fw: FW) -> None:
    cfg = fw.Config(
        ".",
        {
            "IMAGE_STORE_TYPE": "fs",
            "IMAGE_STORE_PATH": "/p",
            "IMAGE_STORE_BASE_URL": "u",
            "OTHER": 1,
        },
    )
    assert cfg.get_namespace("IMAGE_STORE_") == {"type": "fs", "path": "/p", "base_url": "u"}
    assert cfg.get_namespace("IMAGE_STORE_", lowercase=False) == {
        "TYPE": "fs",
        "PATH": "/p",
        "BASE_URL": "u",
    }
    assert cfg.get_namespace("IMAGE_STORE_", trim_namespace=False) == {
        "image_store_type": "fs",
        "image_store_path": "/p",
        "image_store_base_url": "u",
    }
    assert cfg.get_namespace("NOPE_") == {}


def test_config_attributes_on_app(fw: FW) -> None:
    app = fw.Flask(__name__)
    app.secret_key = "k"
    assert app.config["SECRET_KEY"] == "k"
    app.config["TESTING"] = True
    assert app.testing is True
    app.testing = False
    assert app.config["TESTING"] is False
    app.permanent_session_lifetime = 3600
    assert app.permanent_session_lifetime == dt.timedelta(hours=1)
    app.config["PERMANENT_SESSION_LIFETIME"] = dt.timedelta(days=2)
    assert app.permanent_session_lifetime == dt.timedelta(days=2)
    app.debug = True
    assert app.config["DEBUG"] is True and app.debug is True


def test_debug_flag_from_environment(fw: FW, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(f"{fw.env_prefix}_DEBUG", "1")
    assert fw.Flask(__name__).debug is True
    monkeypatch.setenv(f"{fw.env_prefix}_DEBUG", "0")
    assert fw.Flask(__name__).debug is False
    monkeypatch.delenv(f"{fw.env_prefix}_DEBUG")
    assert fw.Flask(__name__).debug is False


def test_instance_relative_config(fw: FW, tmp_path: Path) -> None:
    inst = tmp_path / "instance"
    inst.mkdir()
    (inst / "app.cfg").write_text("INSTANCE_VALUE = 1\n")
    app = fw.Flask(__name__, instance_path=str(inst), instance_relative_config=True)
    assert app.config.root_path == str(inst)
    app.config.from_pyfile("app.cfg")
    assert app.config["INSTANCE_VALUE"] == 1
    with pytest.raises(ValueError):
        fw.Flask(__name__, instance_path="relative/path")


def test_config_class_override(fw: FW) -> None:
    class MyConfig(fw.Config):  # type: ignore[misc, name-defined]
        def extra(self) -> str:
            return "extra"

    class App(fw.Flask):  # type: ignore[misc, name-defined]
        config_class = MyConfig

    assert App(__name__).config.extra() == "extra"
    assert App(__name__).config["TESTING"] is False


def test_root_path(fw: FW) -> None:
    app = fw.Flask(__name__)
    assert app.root_path == os.path.dirname(os.path.abspath(__file__))
    assert app.config.root_path == app.root_path
