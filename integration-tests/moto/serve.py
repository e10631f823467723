"""Starts the moto server with eksharden's plugin: python serve.py PORT [FAULTS]."""

import os
import sys

# AWS managed policies exist in every account; templates attach them by ARN.
os.environ.setdefault("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")

import eksharden_moto  # noqa: F401  (registers the CloudFormation types before the server starts)
from moto.server import main

if __name__ == "__main__":
    main(["-H", "127.0.0.1", "-p", sys.argv[1]])
