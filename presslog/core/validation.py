"""Collect every rule violation of an input mapping at once."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from presslog.core.rules import Rule


def collect_errors(
    data: Mapping[str, Any], field_rules: Mapping[str, Rule], *, creating: bool
) -> dict[str, list[str]]:
    """Messages per field for ``data``; on create, missing required fields count too."""
    errors: dict[str, list[str]] = {}
    for name, rule in field_rules.items():
        if name in data:
            problems = rule.errors(data[name])
        elif creating and rule.required:
            problems = [rule.required_message]
        else:
            continue
        if problems:
            errors[name] = problems
    return errors
