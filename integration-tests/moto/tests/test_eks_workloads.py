"""One test per gap of `eks_workloads`."""

import botocore.exceptions
import pytest

from conftest import deploy, network, unique
from test_cfn_types import _cluster_role, cluster_template
from test_eks import make_cluster


def _cluster_stack(aws, cidr, **properties):
    _, subnets = network(aws, cidr)
    name = unique("cluster")
    _, status, _ = deploy(aws, cluster_template(_cluster_role(aws), subnets, name, **properties))
    return name, subnets, status


def test_oidc_issuer_per_cluster(aws):
    first, _, _ = make_cluster(aws, "10.60.0.0/16")
    second, _, _ = make_cluster(aws, "10.61.0.0/16")
    issuer = lambda name: aws("eks").describe_cluster(name=name)["cluster"]["identity"]["oidc"]["issuer"]
    assert issuer(first) != issuer(second)
    assert issuer(first).startswith("https://oidc.eks.eu-west-1.amazonaws.com/id/")


def test_pod_identity_associations(aws):
    name, _, _ = _cluster_stack(aws, "10.62.0.0/16")
    role = _cluster_role(aws)
    association = lambda namespace: {"Type": "AWS::EKS::PodIdentityAssociation", "Properties": {
        "ClusterName": name, "Namespace": namespace, "ServiceAccount": "reader", "RoleArn": role,
        "Tags": [{"Key": "team", "Value": "a"}]}}
    template = {"Resources": {"Reader": association("apps")},
                "Outputs": {"Id": {"Value": {"Fn::GetAtt": ["Reader", "AssociationId"]}}}}
    stack, status, out = deploy(aws, template)
    assert status == "CREATE_COMPLETE"
    eks = aws("eks")
    listed = eks.list_pod_identity_associations(clusterName=name)["associations"]
    assert [(a["namespace"], a["serviceAccount"], a["associationId"]) for a in listed] == [("apps", "reader", out["Id"])]
    assert eks.list_pod_identity_associations(clusterName=name, namespace="other")["associations"] == []
    described = eks.describe_pod_identity_association(clusterName=name, associationId=out["Id"])["association"]
    assert described["roleArn"] == role and described["tags"] == {"team": "a"}
    _, again, _ = deploy(aws, {"Resources": {"Twice": association("apps")}})
    assert again == "ROLLBACK_COMPLETE", "one association per service account"
    aws("cloudformation").delete_stack(StackName=stack)
    assert eks.list_pod_identity_associations(clusterName=name)["associations"] == []
    with pytest.raises(botocore.exceptions.ClientError, match="ResourceNotFound"):
        eks.describe_pod_identity_association(clusterName=name, associationId=out["Id"])


def test_addons(aws):
    name, _, _ = _cluster_stack(aws, "10.63.0.0/16")
    role = _cluster_role(aws)
    template = {"Resources": {
        "Cni": {"Type": "AWS::EKS::Addon", "Properties": {
            "AddonName": "vpc-cni", "ClusterName": name, "AddonVersion": "v1.19.2-eksbuild.1",
            "ConfigurationValues": '{"enableNetworkPolicy": "true"}',
            "PodIdentityAssociations": [{"ServiceAccount": "aws-node", "RoleArn": role}]}},
        "Dns": {"Type": "AWS::EKS::Addon", "Properties": {"AddonName": "coredns", "ClusterName": name}},
    }}
    stack, status, _ = deploy(aws, template)
    assert status == "CREATE_COMPLETE"
    eks = aws("eks")
    assert eks.list_addons(clusterName=name)["addons"] == ["coredns", "vpc-cni"]
    cni = eks.describe_addon(clusterName=name, addonName="vpc-cni")["addon"]
    assert cni["addonVersion"] == "v1.19.2-eksbuild.1" and cni["configurationValues"] == '{"enableNetworkPolicy": "true"}'
    owned = eks.list_pod_identity_associations(clusterName=name)["associations"]
    assert [(a["namespace"], a["serviceAccount"], a["ownerArn"]) for a in owned] == [("kube-system", "aws-node", cni["addonArn"])]
    assert cni["podIdentityAssociations"] == [owned[0]["associationArn"]]
    assert eks.describe_addon(clusterName=name, addonName="coredns")["addon"]["addonVersion"]
    # The API's writes: a new configuration, and an add-on made outside a stack.
    update = eks.update_addon(clusterName=name, addonName="vpc-cni", configurationValues='{"enableNetworkPolicy": "false"}',
                              resolveConflicts="PRESERVE")["update"]
    assert update["type"] == "AddonUpdate"
    assert eks.describe_addon(clusterName=name, addonName="vpc-cni")["addon"]["configurationValues"] == '{"enableNetworkPolicy": "false"}'
    made = eks.create_addon(clusterName=name, addonName="kube-proxy", resolveConflicts="NONE")["addon"]
    assert made["status"] == "ACTIVE" and "configurationValues" not in made
    with pytest.raises(botocore.exceptions.ClientError, match="ResourceInUse"):
        eks.create_addon(clusterName=name, addonName="kube-proxy")
    with pytest.raises(botocore.exceptions.ClientError, match="ResourceNotFound"):
        eks.update_addon(clusterName=name, addonName="aws-ebs-csi-driver", configurationValues="{}")
    aws("cloudformation").delete_stack(StackName=stack)
    assert eks.list_addons(clusterName=name)["addons"] == ["kube-proxy"], "only the stack's go with it"
    assert eks.list_pod_identity_associations(clusterName=name)["associations"] == [], "the add-on's association goes with it"


def test_fargate_profile_type(aws):
    name, subnets, _ = _cluster_stack(aws, "10.64.0.0/16")
    profile = lambda subnet_ids: {"Resources": {"Profile": {"Type": "AWS::EKS::FargateProfile", "Properties": {
        "ClusterName": name, "FargateProfileName": unique("fp"), "PodExecutionRoleArn": _cluster_role(aws),
        "Subnets": subnet_ids, "Selectors": [{"Namespace": "jobs", "Labels": [{"Key": "runtime", "Value": "fargate"}]}]}}}}
    _, status, _ = deploy(aws, profile(subnets))
    assert status == "CREATE_COMPLETE"
    eks = aws("eks")
    [created] = eks.list_fargate_profiles(clusterName=name)["fargateProfileNames"]
    described = eks.describe_fargate_profile(clusterName=name, fargateProfileName=created)["fargateProfile"]
    assert described["selectors"] == [{"namespace": "jobs", "labels": {"runtime": "fargate"}}]
    assert described["subnets"] == subnets
    ec2 = aws("ec2")
    vpc = ec2.describe_subnets(SubnetIds=subnets[:1])["Subnets"][0]["VpcId"]
    gateway = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=gateway, VpcId=vpc)
    table = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    ec2.create_route(RouteTableId=table, DestinationCidrBlock="0.0.0.0/0", GatewayId=gateway)
    ec2.associate_route_table(RouteTableId=table, SubnetId=subnets[1])
    _, public, _ = deploy(aws, profile([subnets[1]]))
    assert public == "ROLLBACK_COMPLETE", "Fargate takes private subnets only"


def test_auto_mode(aws):
    role = _cluster_role(aws)
    auto = {"ComputeConfig": {"Enabled": True, "NodePools": ["general-purpose", "system"], "NodeRoleArn": role},
            "StorageConfig": {"BlockStorage": {"Enabled": True}},
            "KubernetesNetworkConfig": {"ElasticLoadBalancing": {"Enabled": True}}}
    name, _, status = _cluster_stack(aws, "10.65.0.0/16", **auto)
    assert status == "CREATE_COMPLETE"
    cluster = aws("eks").describe_cluster(name=name)["cluster"]
    assert cluster["computeConfig"] == {"enabled": True, "nodePools": ["general-purpose", "system"], "nodeRoleArn": role}
    assert cluster["storageConfig"] == {"blockStorage": {"enabled": True}}
    assert cluster["kubernetesNetworkConfig"]["elasticLoadBalancing"] == {"enabled": True}
    partial = {"ComputeConfig": {"Enabled": True}}
    _, _, refused = _cluster_stack(aws, "10.66.0.0/16", **partial)
    assert refused == "ROLLBACK_COMPLETE", "Auto Mode's three settings go together"
    plain, _, _ = make_cluster(aws, "10.67.0.0/16")
    assert aws("eks").describe_cluster(name=plain)["cluster"]["computeConfig"] == {"enabled": False, "nodePools": []}
