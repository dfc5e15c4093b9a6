#!/usr/bin/env python3
"""Validate docker-compose.yml against the Compose Specification's JSON Schema.

No Docker engine runs on CI, so `docker compose config` is not available; the official schema
(draft-07) catches unknown keys, wrong types and malformed healthchecks all the same.

    python .ci/validate_compose.py [COMPOSE_FILE] [--schema SCHEMA]

The schema is, first found: --schema, $COMPOSE_SCHEMA, ../shared/data/compose-spec.json
relative to the repository root. Exit status: 0 valid, 1 invalid, 2 a file is missing.
"""

import argparse
import json
import os
import sys
from pathlib import Path

import yaml
from jsonschema import Draft7Validator

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SCHEMA = REPO_ROOT.parent / "shared" / "data" / "compose-spec.json"


def compose_errors(compose: dict, schema: dict) -> list[str]:
    validator = Draft7Validator(schema)
    messages = []
    for error in sorted(validator.iter_errors(compose), key=lambda e: list(e.absolute_path)):
        where = "/".join(str(part) for part in error.absolute_path) or "(top level)"
        messages.append(f"{where}: {error.message}")
    return messages


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("compose", nargs="?", default=str(REPO_ROOT / "docker-compose.yml"))
    parser.add_argument("--schema", default=os.environ.get("COMPOSE_SCHEMA") or str(DEFAULT_SCHEMA))
    args = parser.parse_args(argv)

    compose_path, schema_path = Path(args.compose), Path(args.schema)
    for label, path in (("compose file", compose_path), ("schema", schema_path)):
        if not path.is_file():
            print(f"validate_compose: {label} not found: {path}", file=sys.stderr)
            return 2

    schema = json.loads(schema_path.read_text(encoding="utf-8"))
    try:
        compose = yaml.safe_load(compose_path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        print(f"validate_compose: {compose_path} is not valid YAML: {exc}", file=sys.stderr)
        return 1
    if not isinstance(compose, dict):
        print(f"validate_compose: {compose_path} is not a mapping", file=sys.stderr)
        return 1

    errors = compose_errors(compose, schema)
    if errors:
        print(f"validate_compose: {compose_path} does not match {schema_path}:", file=sys.stderr)
        for message in errors:
            print(f"  {message}", file=sys.stderr)
        return 1
    services = ", ".join(sorted(compose.get("services", {})))
    print(f"validate_compose: {compose_path.name} is valid ({services})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
