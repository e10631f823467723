"""One test per gap of `stacks`: stacks succeed, fail and go away as CloudFormation's do."""

import json

import botocore.exceptions
import pytest

from conftest import deploy, unique
from eksharden_moto_gaps import gap_types


def test_cloudformation_type_map(aws):
    # Every type the package adds is known: a template of them all but the EKS ones (which
    # need a cluster) is accepted and makes each.
    assert {"AWS::EC2::NetworkAcl", "AWS::EKS::Cluster", "AWS::EC2::EgressOnlyInternetGateway"} <= gap_types()
    template = {"Resources": {
        "Vpc": {"Type": "AWS::EC2::VPC", "Properties": {"CidrBlock": "10.20.0.0/16"}},
        "Acl": {"Type": "AWS::EC2::NetworkAcl", "Properties": {"VpcId": {"Ref": "Vpc"}}},
    }}
    stack, status, _ = deploy(aws, template)
    assert status == "CREATE_COMPLETE"
    resources = aws("cloudformation").describe_stack_resources(StackName=stack)["StackResources"]
    assert {r["ResourceType"] for r in resources} == {"AWS::EC2::VPC", "AWS::EC2::NetworkAcl"}


def test_failed_resource_rolls_back(aws):
    template = {"Resources": {
        "Vpc": {"Type": "AWS::EC2::VPC", "Properties": {"CidrBlock": "10.21.0.0/16"}},
        "Broken": {"Type": "AWS::EC2::Subnet", "DependsOn": "Vpc", "Properties": {"VpcId": "vpc-nope", "CidrBlock": "10.21.1.0/24"}},
    }, "Outputs": {"Vpc": {"Value": {"Ref": "Vpc"}}}}
    stack, status, outputs = deploy(aws, template)
    assert status == "ROLLBACK_COMPLETE"
    assert outputs == {}
    events = aws("cloudformation").describe_stack_events(StackName=stack)["StackEvents"]
    failed = [e for e in events if e["ResourceStatus"] == "CREATE_FAILED"]
    assert failed[0]["LogicalResourceId"] == "Broken" and failed[0]["ResourceStatusReason"]


def test_termination_protection(aws):
    template = {"Resources": {"Wait": {"Type": "AWS::CloudFormation::WaitConditionHandle"}}}
    stack, _, _ = deploy(aws, template)
    cfn = aws("cloudformation")
    cfn.update_termination_protection(StackName=stack, EnableTerminationProtection=True)
    with pytest.raises(botocore.exceptions.ClientError, match="TerminationProtection"):
        cfn.delete_stack(StackName=stack)
    cfn.update_termination_protection(StackName=stack, EnableTerminationProtection=False)
    cfn.delete_stack(StackName=stack)
    with pytest.raises(botocore.exceptions.ClientError, match="does not exist"):
        cfn.describe_stacks(StackName=stack)


def test_delete_failed_stays(aws):
    ec2 = aws("ec2")
    template = {"Resources": {
        "Vpc": {"Type": "AWS::EC2::VPC", "Properties": {"CidrBlock": "10.22.0.0/16"}},
        "Table": {"Type": "AWS::EC2::RouteTable", "Properties": {"VpcId": {"Ref": "Vpc"}}},
    }, "Outputs": {"Vpc": {"Value": {"Ref": "Vpc"}}, "Table": {"Value": {"Ref": "Table"}}}}
    stack, _, out = deploy(aws, template)
    # A subnet made outside the stack keeps the table in use, so the stack cannot go.
    subnet = ec2.create_subnet(VpcId=out["Vpc"], CidrBlock="10.22.1.0/24")["Subnet"]["SubnetId"]
    ec2.associate_route_table(RouteTableId=out["Table"], SubnetId=subnet)
    cfn = aws("cloudformation")
    cfn.delete_stack(StackName=stack)
    described = cfn.describe_stacks(StackName=stack)["Stacks"][0]
    assert described["StackStatus"] == "DELETE_FAILED"


def test_list_parameters_as_text(aws):
    template = {"Parameters": {"Subnets": {"Type": "CommaDelimitedList"}},
                "Resources": {"Wait": {"Type": "AWS::CloudFormation::WaitConditionHandle"}}}
    stack, _, _ = deploy(aws, template, {"Subnets": "subnet-a,subnet-b"})
    described = aws("cloudformation").describe_stacks(StackName=stack)["Stacks"][0]
    assert described["Parameters"] == [{"ParameterKey": "Subnets", "ParameterValue": "subnet-a,subnet-b"}]


def test_network_stack_deletion(aws):
    template = {"Resources": {
        "Vpc": {"Type": "AWS::EC2::VPC", "Properties": {"CidrBlock": "10.23.0.0/16"}},
        "Subnet": {"Type": "AWS::EC2::Subnet", "Properties": {"VpcId": {"Ref": "Vpc"}, "CidrBlock": "10.23.1.0/24"}},
        "Gateway": {"Type": "AWS::EC2::InternetGateway"},
        "Attachment": {"Type": "AWS::EC2::VPCGatewayAttachment", "Properties": {"VpcId": {"Ref": "Vpc"}, "InternetGatewayId": {"Ref": "Gateway"}}},
        "Table": {"Type": "AWS::EC2::RouteTable", "Properties": {"VpcId": {"Ref": "Vpc"}}},
        "Default": {"Type": "AWS::EC2::Route", "DependsOn": "Attachment", "Properties": {
            "RouteTableId": {"Ref": "Table"}, "DestinationCidrBlock": "0.0.0.0/0", "GatewayId": {"Ref": "Gateway"}}},
        "Association": {"Type": "AWS::EC2::SubnetRouteTableAssociation", "Properties": {"SubnetId": {"Ref": "Subnet"}, "RouteTableId": {"Ref": "Table"}}},
        "Address": {"Type": "AWS::EC2::EIP", "Properties": {"Domain": "vpc"}},
        "Nat": {"Type": "AWS::EC2::NatGateway", "Properties": {"SubnetId": {"Ref": "Subnet"}, "AllocationId": {"Fn::GetAtt": ["Address", "AllocationId"]}}},
        "Endpoint": {"Type": "AWS::EC2::VPCEndpoint", "Properties": {
            "VpcId": {"Ref": "Vpc"}, "ServiceName": "com.amazonaws.eu-west-1.s3", "RouteTableIds": [{"Ref": "Table"}]}},
    }, "Outputs": {"Vpc": {"Value": {"Ref": "Vpc"}}}}
    stack, status, out = deploy(aws, template)
    assert status == "CREATE_COMPLETE"
    aws("cloudformation").delete_stack(StackName=stack)
    ec2 = aws("ec2")
    assert ec2.describe_vpcs(Filters=[{"Name": "vpc-id", "Values": [out["Vpc"]]}])["Vpcs"] == []
    assert not [g for g in ec2.describe_internet_gateways()["InternetGateways"] if any(a["VpcId"] == out["Vpc"] for a in g["Attachments"])]
    assert not [n for n in ec2.describe_nat_gateways()["NatGateways"] if n["VpcId"] == out["Vpc"] and n["State"] != "deleted"]


def test_stack_tags_on_eks(aws):
    from test_cfn_types import _cluster_role, cluster_template

    from conftest import network

    _, subnets = network(aws, "10.24.0.0/16")
    name = unique("cluster")
    stack, _, out = deploy(aws, cluster_template(_cluster_role(aws), subnets, name), tags={"team": "platform"})
    tags = aws("eks").describe_cluster(name=name)["cluster"]["tags"]
    assert tags["team"] == "platform"
    assert tags["aws:cloudformation:stack-name"] == stack
    assert tags["aws:cloudformation:logical-id"] == "Cluster"


def test_unsupported_types_fail(aws):
    template = {"Resources": {"Thing": {"Type": "AWS::Transfer::Server", "Properties": {}}}}
    name, status, _ = deploy(aws, template)
    assert status == "ROLLBACK_COMPLETE"
    events = aws("cloudformation").describe_stack_events(StackName=name)["StackEvents"]
    failed = [e for e in events if e["ResourceStatus"] == "CREATE_FAILED"]
    assert "AWS::Transfer::Server" in failed[0]["ResourceStatusReason"]


def test_list_parameter_defaults(aws):
    template = {
        "Parameters": {"Blocks": {"Type": "CommaDelimitedList", "Default": "a,b"}},
        "Resources": {"Nothing": {"Type": "AWS::CloudFormation::WaitConditionHandle"}},
        "Outputs": {"Joined": {"Value": {"Fn::Join": ["+", {"Ref": "Blocks"}]}},
                    "Second": {"Value": {"Fn::Select": [1, {"Ref": "Blocks"}]}}},
    }
    _, status, out = deploy(aws, template)
    assert status == "CREATE_COMPLETE"
    assert out == {"Joined": "a+b", "Second": "b"}
