"""One test per gap of `eks`."""

import botocore.exceptions
import pytest

from conftest import network, unique
from test_cfn_types import _cluster_role


def make_cluster(aws, cidr, **config):
    vpc, subnets = network(aws, cidr)
    name = unique("cluster")
    aws("eks").create_cluster(name=name, roleArn=_cluster_role(aws), resourcesVpcConfig={"subnetIds": subnets, **config})
    return name, vpc, subnets


def test_cluster_comes_with_what_eks_makes(aws):
    name, vpc, _ = make_cluster(aws, "10.40.0.0/16")
    eks, ec2 = aws("eks"), aws("ec2")
    config = eks.describe_cluster(name=name)["cluster"]["resourcesVpcConfig"]
    assert config["vpcId"] == vpc
    assert config["endpointPublicAccess"] is True and config["publicAccessCidrs"] == ["0.0.0.0/0"]
    group = ec2.describe_security_groups(GroupIds=[config["clusterSecurityGroupId"]])["SecurityGroups"][0]
    assert group["IpPermissions"][0]["UserIdGroupPairs"][0]["GroupId"] == group["GroupId"]
    by_description = [{"Name": "description", "Values": [f"Amazon EKS {name}"]}]
    assert len(ec2.describe_network_interfaces(Filters=by_description)["NetworkInterfaces"]) == 2
    eks.delete_cluster(name=name)
    assert ec2.describe_network_interfaces(Filters=by_description)["NetworkInterfaces"] == []
    with pytest.raises(botocore.exceptions.ClientError):
        ec2.describe_security_groups(GroupIds=[group["GroupId"]])


def test_kubernetes_version_offered(aws):
    name, _, _ = make_cluster(aws, "10.41.0.0/16")
    assert aws("eks").describe_cluster(name=name)["cluster"]["version"] == "1.35"


def test_update_cluster_config_merges(aws):
    name, _, subnets = make_cluster(aws, "10.42.0.0/16")
    eks = aws("eks")
    eks.update_cluster_config(name=name, resourcesVpcConfig={"endpointPrivateAccess": True, "endpointPublicAccess": False})
    config = eks.describe_cluster(name=name)["cluster"]["resourcesVpcConfig"]
    assert config["subnetIds"] == subnets
    assert config["endpointPrivateAccess"] is True and config["endpointPublicAccess"] is False


def test_access_entry_api(aws):
    name, _, _ = make_cluster(aws, "10.43.0.0/16")
    eks = aws("eks")
    principal = _cluster_role(aws)
    eks.create_access_entry(clusterName=name, principalArn=principal, kubernetesGroups=["viewers"])
    with pytest.raises(botocore.exceptions.ClientError, match="ResourceInUse"):
        eks.create_access_entry(clusterName=name, principalArn=principal)
    with pytest.raises(botocore.exceptions.ClientError, match="system:"):
        eks.create_access_entry(clusterName=name, principalArn=_cluster_role(aws), kubernetesGroups=["system:masters"])
    eks.update_access_entry(clusterName=name, principalArn=principal, kubernetesGroups=["admins"])
    assert eks.describe_access_entry(clusterName=name, principalArn=principal)["accessEntry"]["kubernetesGroups"] == ["admins"]
    assert eks.list_access_entries(clusterName=name)["accessEntries"] == [principal]
    eks.delete_access_entry(clusterName=name, principalArn=principal)
    with pytest.raises(botocore.exceptions.ClientError, match="ResourceNotFound"):
        eks.describe_access_entry(clusterName=name, principalArn=principal)


def _nodegroup(aws, name, subnets, nodegroup, **extra):
    return aws("eks").create_nodegroup(clusterName=name, nodegroupName=nodegroup, nodeRole=_cluster_role(aws), subnets=subnets,
                                       scalingConfig={"minSize": 1, "maxSize": 1, "desiredSize": 1}, **extra)["nodegroup"]


def test_nodegroup_remote_access(aws):
    name, _, subnets = make_cluster(aws, "10.44.0.0/16")
    plain = _nodegroup(aws, name, subnets, "plain")
    assert "remoteAccess" not in plain and "remoteAccessSecurityGroup" not in plain["resources"]
    keyed = _nodegroup(aws, name, subnets, "keyed", remoteAccess={"ec2SshKey": "ops"})
    group = aws("ec2").describe_security_groups(GroupIds=[keyed["resources"]["remoteAccessSecurityGroup"]])["SecurityGroups"][0]
    assert group["IpPermissions"][0]["FromPort"] == 22
    assert group["IpPermissions"][0]["IpRanges"] == [{"CidrIp": "0.0.0.0/0"}]


def test_nodegroup_deletion(aws):
    name, _, subnets = make_cluster(aws, "10.45.0.0/16")
    ec2 = aws("ec2")
    tagged = lambda group: [{"Key": "eks:cluster-name", "Value": name}, {"Key": "eks:nodegroup-name", "Value": group}]
    run = lambda group: ec2.run_instances(ImageId="ami-12c6146b", MinCount=1, MaxCount=1, SubnetId=subnets[0],
                                          TagSpecifications=[{"ResourceType": "instance", "Tags": tagged(group)}])["Instances"][0]["InstanceId"]
    doomed, kept = run("old"), run("other")
    keyed = _nodegroup(aws, name, subnets, "old", remoteAccess={"ec2SshKey": "ops"})
    aws("eks").delete_nodegroup(clusterName=name, nodegroupName="old")
    states = {i["InstanceId"]: i["State"]["Name"] for r in ec2.describe_instances(InstanceIds=[doomed, kept])["Reservations"] for i in r["Instances"]}
    assert states == {doomed: "terminated", kept: "running"}
    with pytest.raises(botocore.exceptions.ClientError):
        ec2.describe_security_groups(GroupIds=[keyed["resources"]["remoteAccessSecurityGroup"]])


def test_associate_encryption_config(aws):
    name, _, _ = make_cluster(aws, "10.46.0.0/16")
    eks = aws("eks")
    key = aws("kms").create_key()["KeyMetadata"]["Arn"]
    config = [{"resources": ["secrets"], "provider": {"keyArn": key}}]
    assert eks.associate_encryption_config(clusterName=name, encryptionConfig=config)["update"]["status"] == "Successful"
    assert eks.describe_cluster(name=name)["cluster"]["encryptionConfig"][0]["provider"]["keyArn"] == key
    with pytest.raises(botocore.exceptions.ClientError, match="already enabled"):
        eks.associate_encryption_config(clusterName=name, encryptionConfig=config)


def test_tag_nodegroups(aws):
    name, _, subnets = make_cluster(aws, "10.47.0.0/16")
    arn = _nodegroup(aws, name, subnets, "tagged")["nodegroupArn"]
    eks = aws("eks")
    eks.tag_resource(resourceArn=arn, tags={"eksharden.dev/cluster": name})
    assert eks.describe_nodegroup(clusterName=name, nodegroupName="tagged")["nodegroup"]["tags"]["eksharden.dev/cluster"] == name
