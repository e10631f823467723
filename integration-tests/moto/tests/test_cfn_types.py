"""One test per gap of `cfn_types`: a stack makes what its template describes."""

import ipaddress
import json

from conftest import deploy, network, unique


def vpc_resource(cidr="10.1.0.0/16"):
    return {"Vpc": {"Type": "AWS::EC2::VPC", "Properties": {"CidrBlock": cidr}}}


def test_network_acl_types(aws):
    template = {"Resources": {
        **vpc_resource(),
        "Subnet": {"Type": "AWS::EC2::Subnet", "Properties": {"VpcId": {"Ref": "Vpc"}, "CidrBlock": "10.1.1.0/24"}},
        "Acl": {"Type": "AWS::EC2::NetworkAcl", "Properties": {"VpcId": {"Ref": "Vpc"}}},
        "Ssh": {"Type": "AWS::EC2::NetworkAclEntry", "Properties": {
            "NetworkAclId": {"Ref": "Acl"}, "RuleNumber": 100, "Protocol": 6, "RuleAction": "allow",
            "CidrBlock": "10.1.2.0/28", "PortRange": {"From": 22, "To": 22}}},
        "Association": {"Type": "AWS::EC2::SubnetNetworkAclAssociation", "Properties": {
            "SubnetId": {"Ref": "Subnet"}, "NetworkAclId": {"Ref": "Acl"}}},
    }, "Outputs": {"Acl": {"Value": {"Ref": "Acl"}}, "Subnet": {"Value": {"Ref": "Subnet"}}}}
    _, status, out = deploy(aws, template)
    assert status == "CREATE_COMPLETE"
    acl = aws("ec2").describe_network_acls(NetworkAclIds=[out["Acl"]])["NetworkAcls"][0]
    entries = {(e["RuleNumber"], e["Egress"], e["RuleAction"]) for e in acl["Entries"]}
    assert {(100, False, "allow"), (32767, False, "deny"), (32767, True, "deny")} <= entries
    assert [a["SubnetId"] for a in acl["Associations"]] == [out["Subnet"]]


def test_security_group_rule_types(aws):
    vpc, _ = network(aws, "10.2.0.0/16")
    prefix_list = aws("ec2").create_managed_prefix_list(PrefixListName=unique("pl"), MaxEntries=2, AddressFamily="IPv4")["PrefixList"]["PrefixListId"]
    template = {"Resources": {
        "Group": {"Type": "AWS::EC2::SecurityGroup", "Properties": {"GroupDescription": "g", "VpcId": vpc}},
        "In": {"Type": "AWS::EC2::SecurityGroupIngress", "Properties": {
            "GroupId": {"Ref": "Group"}, "IpProtocol": "tcp", "FromPort": 443, "ToPort": 443,
            "SourcePrefixListId": prefix_list}},
        "All": {"Type": "AWS::EC2::SecurityGroupIngress", "Properties": {
            "GroupId": {"Ref": "Group"}, "IpProtocol": "-1", "SourceSecurityGroupId": {"Ref": "Group"}, "Description": "itself"}},
        "Out": {"Type": "AWS::EC2::SecurityGroupEgress", "Properties": {
            "GroupId": {"Ref": "Group"}, "IpProtocol": "tcp", "FromPort": 10250, "ToPort": 10250,
            "DestinationSecurityGroupId": {"Ref": "Group"}}},
    }, "Outputs": {"Group": {"Value": {"Ref": "Group"}}}}
    _, status, out = deploy(aws, template)
    assert status == "CREATE_COMPLETE"
    group = aws("ec2").describe_security_groups(GroupIds=[out["Group"]])["SecurityGroups"][0]
    listed = [p for p in group["IpPermissions"] if p.get("PrefixListIds")]
    assert [p["PrefixListId"] for p in listed[0]["PrefixListIds"]] == [prefix_list]
    everything = [p for p in group["IpPermissions"] if p["IpProtocol"] == "-1"]
    assert everything[0]["UserIdGroupPairs"][0]["Description"] == "itself"
    assert any(p.get("FromPort") == 10250 for p in group["IpPermissionsEgress"])


def test_inline_security_group_rules(aws):
    vpc, _ = network(aws, "10.3.0.0/16")
    template = {"Resources": {"Group": {"Type": "AWS::EC2::SecurityGroup", "Properties": {
        "GroupDescription": "g", "VpcId": vpc,
        "SecurityGroupIngress": [{"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "CidrIpv6": "2001:db8::/64", "Description": "v6"}],
        "SecurityGroupEgress": [{"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "CidrIp": "10.3.0.0/16"}],
    }}}, "Outputs": {"Group": {"Value": {"Ref": "Group"}}}}
    _, _, out = deploy(aws, template)
    group = aws("ec2").describe_security_groups(GroupIds=[out["Group"]])["SecurityGroups"][0]
    assert group["IpPermissions"][0]["Ipv6Ranges"] == [{"CidrIpv6": "2001:db8::/64", "Description": "v6"}]
    egress = group["IpPermissionsEgress"]
    assert [r["CidrIp"] for p in egress for r in p["IpRanges"]] == ["10.3.0.0/16"], "the default allow-all egress is replaced"


def test_eks_ami_parameters(aws):
    template = {
        "Parameters": {"Ami": {"Type": "AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>",
                               "Default": "/aws/service/eks/optimized-ami/1.35/amazon-linux-2023/x86_64/standard/recommended/image_id"}},
        "Resources": {"Template": {"Type": "AWS::EC2::LaunchTemplate", "Properties": {"LaunchTemplateData": {"ImageId": {"Ref": "Ami"}}}}},
        "Outputs": {"Ami": {"Value": {"Ref": "Ami"}}},
    }
    _, status, out = deploy(aws, template)
    assert status == "CREATE_COMPLETE"
    assert aws("ec2").describe_images(ImageIds=[out["Ami"]])["Images"], "the parameter names an image of the catalogue"


def test_iam_role_policies(aws):
    name = unique("role")
    trust = {"Statement": [{"Effect": "Allow", "Principal": {"Service": "eks.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
    template = {"Resources": {"Role": {"Type": "AWS::IAM::Role", "Properties": {
        "RoleName": name, "AssumeRolePolicyDocument": trust,
        "ManagedPolicyArns": ["arn:aws:iam::aws:policy/AmazonEKSClusterPolicy"],
        "Policies": [{"PolicyName": "inline", "PolicyDocument": {"Statement": [{"Effect": "Allow", "Action": "eks:Describe*", "Resource": "*"}]}}],
    }}}}
    stack, _, _ = deploy(aws, template)
    iam = aws("iam")
    attached = iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"]
    assert [p["PolicyName"] for p in attached] == ["AmazonEKSClusterPolicy"]
    document = iam.get_role_policy(RoleName=name, PolicyName="inline")["PolicyDocument"]
    assert (json.loads(document) if isinstance(document, str) else document)["Statement"][0]["Action"] == "eks:Describe*"
    aws("cloudformation").delete_stack(StackName=stack)
    policy = iam.get_policy(PolicyArn="arn:aws:iam::aws:policy/AmazonEKSClusterPolicy")["Policy"]
    assert not any(r["RoleName"] == name for r in iam.list_entities_for_policy(PolicyArn=policy["Arn"])["PolicyRoles"])


def _key_template():
    policy = {"Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:root"}, "Action": "kms:*", "Resource": "*"}]}
    return {"Resources": {"Key": {"Type": "AWS::KMS::Key", "Properties": {
        "KeyPolicy": policy, "PendingWindowInDays": 7, "Tags": [{"Key": "team", "Value": "platform"}]}}},
        "Outputs": {"Key": {"Value": {"Ref": "Key"}}}}


def test_kms_key_properties(aws):
    _, _, out = deploy(aws, _key_template())
    kms = aws("kms")
    assert kms.describe_key(KeyId=out["Key"])["KeyMetadata"]["KeyState"] == "Enabled"
    assert kms.list_resource_tags(KeyId=out["Key"])["Tags"] == [{"TagKey": "team", "TagValue": "platform"}]
    assert json.loads(kms.get_key_policy(KeyId=out["Key"], PolicyName="default")["Policy"])["Statement"][0]["Action"] == "kms:*"


def test_kms_key_deletion_scheduled(aws):
    stack, _, out = deploy(aws, _key_template())
    aws("cloudformation").delete_stack(StackName=stack)
    key = aws("kms").describe_key(KeyId=out["Key"])["KeyMetadata"]
    assert key["KeyState"] == "PendingDeletion"
    assert "DeletionDate" in key


def _cluster_role(aws):
    trust = {"Statement": [{"Effect": "Allow", "Principal": {"Service": "eks.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
    return aws("iam").create_role(RoleName=unique("eks"), AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]


def cluster_template(role, subnets, name, **properties):
    return {"Resources": {"Cluster": {"Type": "AWS::EKS::Cluster", "Properties": {
        "Name": name, "RoleArn": role, "ResourcesVpcConfig": {"SubnetIds": subnets}, **properties}}},
        "Outputs": {k: {"Value": {"Fn::GetAtt": ["Cluster", k]}} for k in ("Arn", "Endpoint", "ClusterSecurityGroupId", "KubernetesNetworkConfig.ServiceIpv6Cidr")}}


def test_eks_cluster_type(aws):
    _, subnets = network(aws, "10.4.0.0/16")
    name = unique("cluster")
    template = cluster_template(_cluster_role(aws), subnets, name,
                                KubernetesNetworkConfig={"IpFamily": "ipv6"},
                                Logging={"ClusterLogging": {"EnabledTypes": [{"Type": "api"}, {"Type": "audit"}]}},
                                AccessConfig={"AuthenticationMode": "API"})
    _, status, out = deploy(aws, template)
    assert status == "CREATE_COMPLETE"
    cluster = aws("eks").describe_cluster(name=name)["cluster"]
    assert cluster["arn"] == out["Arn"] and out["Endpoint"]
    assert cluster["resourcesVpcConfig"]["clusterSecurityGroupId"] == out["ClusterSecurityGroupId"]
    assert cluster["kubernetesNetworkConfig"]["ipFamily"] == "ipv6"
    assert out["KubernetesNetworkConfig.ServiceIpv6Cidr"].startswith("fd") and out["KubernetesNetworkConfig.ServiceIpv6Cidr"].endswith("/108")
    assert cluster["logging"]["clusterLogging"][0]["types"] == ["api", "audit"]
    assert cluster["accessConfig"]["authenticationMode"] == "API"


def test_eks_nodegroup_type(aws):
    _, subnets = network(aws, "10.5.0.0/16")
    name = unique("cluster")
    deploy(aws, cluster_template(_cluster_role(aws), subnets, name))
    template_id = aws("ec2").create_launch_template(LaunchTemplateName=unique("lt"), LaunchTemplateData={"InstanceType": "m5.large"})["LaunchTemplate"]["LaunchTemplateId"]
    nodegroup = {"Resources": {"Nodes": {"Type": "AWS::EKS::Nodegroup", "Properties": {
        "ClusterName": name, "NodegroupName": "workers", "NodeRole": _cluster_role(aws), "Subnets": subnets,
        "ScalingConfig": {"MinSize": 1, "MaxSize": 2, "DesiredSize": 1}, "LaunchTemplate": {"Id": template_id},
        "UpdateConfig": {"MaxUnavailablePercentage": 33}}}}}
    _, status, _ = deploy(aws, nodegroup)
    assert status == "CREATE_COMPLETE"
    described = aws("eks").describe_nodegroup(clusterName=name, nodegroupName="workers")["nodegroup"]
    assert (described["launchTemplate"]["id"], described["launchTemplate"]["version"]) == (template_id, "1")
    assert described["scalingConfig"]["desiredSize"] == 1
    assert described["updateConfig"] == {"maxUnavailablePercentage": 33}


def test_eks_access_entry_type(aws):
    _, subnets = network(aws, "10.6.0.0/16")
    name = unique("cluster")
    deploy(aws, cluster_template(_cluster_role(aws), subnets, name))
    principal = _cluster_role(aws)
    entry = {"Resources": {"Entry": {"Type": "AWS::EKS::AccessEntry", "Properties": {
        "ClusterName": name, "PrincipalArn": principal, "KubernetesGroups": ["eksharden:admins"]}}}}
    stack, _, _ = deploy(aws, entry)
    eks = aws("eks")
    assert eks.list_access_entries(clusterName=name)["accessEntries"] == [principal]
    assert eks.describe_access_entry(clusterName=name, principalArn=principal)["accessEntry"]["kubernetesGroups"] == ["eksharden:admins"]
    aws("cloudformation").delete_stack(StackName=stack)
    assert eks.list_access_entries(clusterName=name)["accessEntries"] == []


def test_route_table_association(aws):
    template = {"Resources": {
        **vpc_resource("10.7.0.0/16"),
        "Subnet": {"Type": "AWS::EC2::Subnet", "Properties": {"VpcId": {"Ref": "Vpc"}, "CidrBlock": "10.7.1.0/24"}},
        "Table": {"Type": "AWS::EC2::RouteTable", "Properties": {"VpcId": {"Ref": "Vpc"}}},
        "Association": {"Type": "AWS::EC2::SubnetRouteTableAssociation", "Properties": {"SubnetId": {"Ref": "Subnet"}, "RouteTableId": {"Ref": "Table"}}},
    }, "Outputs": {"Table": {"Value": {"Ref": "Table"}}, "Subnet": {"Value": {"Ref": "Subnet"}}}}
    _, _, out = deploy(aws, template)
    table = aws("ec2").describe_route_tables(RouteTableIds=[out["Table"]])["RouteTables"][0]
    assert out["Subnet"] in [a.get("SubnetId") for a in table["Associations"]]


def test_fn_cidr(aws):
    template = {"Resources": {"Wait": {"Type": "AWS::CloudFormation::WaitConditionHandle"}},
                "Outputs": {"Blocks": {"Value": {"Fn::Join": [",", {"Fn::Cidr": ["10.8.0.0/16", 3, 8]}]}}}}
    _, _, out = deploy(aws, template)
    assert out["Blocks"] == "10.8.0.0/24,10.8.1.0/24,10.8.2.0/24"


def ipv6_template(cidr):
    return {"Resources": {
        **vpc_resource(cidr),
        "Block": {"Type": "AWS::EC2::VPCCidrBlock", "Properties": {"VpcId": {"Ref": "Vpc"}, "AmazonProvidedIpv6CidrBlock": True}},
        "Subnet": {"Type": "AWS::EC2::Subnet", "DependsOn": "Block", "Properties": {
            "VpcId": {"Ref": "Vpc"}, "CidrBlock": cidr.replace("0.0/16", "1.0/24"), "AssignIpv6AddressOnCreation": True,
            "Ipv6CidrBlock": {"Fn::Select": [0, {"Fn::Cidr": [{"Fn::Select": [0, {"Fn::GetAtt": ["Vpc", "Ipv6CidrBlocks"]}]}, 1, 64]}]}}},
    }, "Outputs": {"Vpc": {"Value": {"Ref": "Vpc"}}, "Subnet": {"Value": {"Ref": "Subnet"}},
                   "SubnetBlocks": {"Value": {"Fn::Join": [",", {"Fn::GetAtt": ["Subnet", "Ipv6CidrBlocks"]}]}}}}


def test_ipv6_blocks(aws):
    _, status, out = deploy(aws, ipv6_template("10.9.0.0/16"))
    assert status == "CREATE_COMPLETE"
    ec2 = aws("ec2")
    vpc_block = ec2.describe_vpcs(VpcIds=[out["Vpc"]])["Vpcs"][0]["Ipv6CidrBlockAssociationSet"][0]["Ipv6CidrBlock"]
    subnet = ec2.describe_subnets(SubnetIds=[out["Subnet"]])["Subnets"][0]
    block = subnet["Ipv6CidrBlockAssociationSet"][0]["Ipv6CidrBlock"]
    assert ipaddress.ip_network(block).prefixlen == 64
    assert ipaddress.ip_network(block).subnet_of(ipaddress.ip_network(vpc_block)), (block, vpc_block)
    assert subnet["AssignIpv6AddressOnCreation"] is True
    assert out["SubnetBlocks"] == block


def test_ipv6_routing(aws):
    template = ipv6_template("10.10.0.0/16")
    template["Resources"].update({
        "EgressOnly": {"Type": "AWS::EC2::EgressOnlyInternetGateway", "Properties": {"VpcId": {"Ref": "Vpc"}}},
        "Table": {"Type": "AWS::EC2::RouteTable", "Properties": {"VpcId": {"Ref": "Vpc"}}},
        "Out": {"Type": "AWS::EC2::Route", "Properties": {"RouteTableId": {"Ref": "Table"}, "DestinationIpv6CidrBlock": "::/0",
                                                            "EgressOnlyInternetGatewayId": {"Ref": "EgressOnly"}}},
    })
    template["Outputs"]["Table"] = {"Value": {"Ref": "Table"}}
    _, status, out = deploy(aws, template)
    assert status == "CREATE_COMPLETE"
    routes = aws("ec2").describe_route_tables(RouteTableIds=[out["Table"]])["RouteTables"][0]["Routes"]
    route = next(r for r in routes if r.get("DestinationIpv6CidrBlock") == "::/0")
    assert route["EgressOnlyInternetGatewayId"].startswith("eigw-")


def test_log_group_properties(aws):
    name = unique("/test/flow-logs")
    template = {"Resources": {
        "Key": {"Type": "AWS::KMS::Key", "Properties": {"KeyPolicy": {"Version": "2012-10-17", "Statement": []}}},
        "Group": {"Type": "AWS::Logs::LogGroup", "Properties": {
            "LogGroupName": name, "RetentionInDays": 90, "KmsKeyId": {"Fn::GetAtt": ["Key", "Arn"]},
            "Tags": [{"Key": "team", "Value": "platform"}]}},
    }, "Outputs": {"Key": {"Value": {"Fn::GetAtt": ["Key", "Arn"]}}}}
    _, status, out = deploy(aws, template)
    assert status == "CREATE_COMPLETE"
    group = aws("logs").describe_log_groups(logGroupNamePrefix=name)["logGroups"][0]
    assert group["kmsKeyId"] == out["Key"] and group["retentionInDays"] == 90
