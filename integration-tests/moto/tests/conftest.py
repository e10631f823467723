"""A moto server with the package, on a free loopback port, for the session; boto3 clients for it."""

import json
import os
import pathlib
import socket
import subprocess
import sys
import time
import uuid

import boto3
import pytest

PACKAGE_DIR = pathlib.Path(__file__).resolve().parents[1]
REGION = "eu-west-1"


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """A running server; stopped by `stop`."""

    def __init__(self, env=None):
        self.port = _free_port()
        environment = {**os.environ, "PYTHONPATH": str(PACKAGE_DIR), **(env or {})}
        self.process = subprocess.Popen(
            [sys.executable, str(PACKAGE_DIR / "serve.py"), str(self.port)],
            env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server stopped: {self.process.stderr.read().decode()}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError("the server did not start in 30 s")

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def client(self, service, key="testing", secret="testing", token=None):
        return boto3.client(
            service, endpoint_url=self.url, region_name=REGION,
            aws_access_key_id=key, aws_secret_access_key=secret, aws_session_token=token,
        )

    def stop(self):
        self.process.kill()
        self.process.wait()


@pytest.fixture(scope="session")
def server():
    running = Server()
    yield running
    running.stop()


@pytest.fixture
def aws(server):
    """`aws("ec2")`: a client of the session's server."""
    return server.client


def unique(prefix):
    """A name no other test uses."""
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def deploy(aws, template, parameters=None, name=None, tags=None):
    """Creates a stack and returns (its name, its status, its outputs by key)."""
    cfn = aws("cloudformation")
    name = name or unique("stack")
    cfn.create_stack(
        StackName=name, TemplateBody=json.dumps(template), Capabilities=["CAPABILITY_NAMED_IAM"],
        Parameters=[{"ParameterKey": k, "ParameterValue": v} for k, v in (parameters or {}).items()],
        Tags=[{"Key": k, "Value": v} for k, v in (tags or {}).items()],
    )
    stack = cfn.describe_stacks(StackName=name)["Stacks"][0]
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}
    return name, stack["StackStatus"], outputs


def network(aws, cidr="10.0.0.0/16", ipv6=False):
    """A VPC with two subnets (through the EC2 API): (vpc id, [subnet ids])."""
    ec2 = aws("ec2")
    vpc = ec2.create_vpc(CidrBlock=cidr, AmazonProvidedIpv6CidrBlock=ipv6)["Vpc"]["VpcId"]
    base = cidr.split(".")
    subnets = [
        ec2.create_subnet(VpcId=vpc, CidrBlock=f"{base[0]}.{base[1]}.{i}.0/24", AvailabilityZone=f"{REGION}{z}")["Subnet"]["SubnetId"]
        for i, z in ((1, "a"), (2, "b"))
    ]
    return vpc, subnets


def output(key, value):
    return {key: {"Value": value}}
