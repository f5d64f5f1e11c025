"""SHOP_TIMEZONE and PUBLIC_URL: read from the environment and checked at start."""

from __future__ import annotations

from pathlib import Path

import pytest

from presslog.config import ConfigError, load_config

BASE = {"PRESSLOG_ENV": "testing"}


def test_shop_timezone_defaults_to_utc(tmp_path: Path):
    assert load_config(tmp_path, BASE)["SHOP_TIMEZONE"] == "UTC"


def test_shop_timezone_takes_an_iana_name(tmp_path: Path):
    config = load_config(tmp_path, {**BASE, "SHOP_TIMEZONE": " America/Chicago "})
    assert config["SHOP_TIMEZONE"] == "America/Chicago"


@pytest.mark.parametrize("name", ["Mars/Olympus", "CST6", "../etc/passwd", "Europe/"])
def test_an_unknown_shop_timezone_stops_the_start_naming_the_setting(tmp_path: Path, name):
    with pytest.raises(ConfigError, match="SHOP_TIMEZONE"):
        load_config(tmp_path, {**BASE, "SHOP_TIMEZONE": name})


def test_public_url_loses_its_trailing_slash(tmp_path: Path):
    config = load_config(tmp_path, {**BASE, "PUBLIC_URL": "https://presslog.example.com/"})
    assert config["PUBLIC_URL"] == "https://presslog.example.com"


def test_a_public_url_without_its_scheme_is_refused(tmp_path: Path):
    with pytest.raises(ConfigError, match="PUBLIC_URL"):
        load_config(tmp_path, {**BASE, "PUBLIC_URL": "presslog.example.com"})
