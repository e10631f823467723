"""The gaps of `faults`: failures and delays a test asks for through the server's environment."""

import time

import pytest

from conftest import Server, deploy


@pytest.fixture(scope="module")
def faulty():
    server = Server({"EKSHARDEN_MOTO_FAIL_RESOURCE": "Doomed:no capacity", "EKSHARDEN_MOTO_STACK_SECONDS": "0.5"})
    yield server
    server.stop()


def test_injected_resource_failure(faulty):
    template = {"Resources": {"Doomed": {"Type": "AWS::EC2::VPC", "Properties": {"CidrBlock": "10.50.0.0/16"}}}}
    stack, status, _ = deploy(faulty.client, template)
    assert status == "ROLLBACK_COMPLETE"
    events = faulty.client("cloudformation").describe_stack_events(StackName=stack)["StackEvents"]
    assert [e["ResourceStatusReason"] for e in events if e["ResourceStatus"] == "CREATE_FAILED"] == ["no capacity"]
    assert faulty.client("ec2").describe_vpcs(Filters=[{"Name": "cidr", "Values": ["10.50.0.0/16"]}])["Vpcs"] == []


def test_stacks_take_time(faulty):
    template = {"Resources": {"Wait": {"Type": "AWS::CloudFormation::WaitConditionHandle"}}}
    stack, status, _ = deploy(faulty.client, template)
    assert status == "CREATE_IN_PROGRESS"
    time.sleep(0.6)
    assert faulty.client("cloudformation").describe_stacks(StackName=stack)["Stacks"][0]["StackStatus"] == "CREATE_COMPLETE"
