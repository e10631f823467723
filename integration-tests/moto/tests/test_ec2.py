"""One test per gap of `ec2`."""

from conftest import network, unique


def test_tags_go_with_their_resource(aws):
    ec2 = aws("ec2")
    vpc, _ = network(aws, "10.30.0.0/16")
    group = ec2.create_security_group(GroupName=unique("sg"), Description="d", VpcId=vpc)["GroupId"]
    ec2.create_tags(Resources=[group], Tags=[{"Key": "owner", "Value": "test"}])
    listed = lambda: [t["ResourceId"] for t in ec2.describe_tags(Filters=[{"Name": "resource-id", "Values": [group]}])["Tags"]]
    assert listed() == [group]
    ec2.delete_security_group(GroupId=group)
    assert listed() == []


def test_revoke_ingress_by_group(aws):
    ec2 = aws("ec2")
    vpc, _ = network(aws, "10.31.0.0/16")
    target = ec2.create_security_group(GroupName=unique("target"), Description="d", VpcId=vpc)["GroupId"]
    source = ec2.create_security_group(GroupName=unique("source"), Description="d", VpcId=vpc)["GroupId"]
    rule = {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22}
    ec2.authorize_security_group_ingress(GroupId=target, IpPermissions=[{**rule, "UserIdGroupPairs": [{"GroupId": source, "Description": "ssh"}]}])
    ec2.revoke_security_group_ingress(GroupId=target, IpPermissions=[{**rule, "UserIdGroupPairs": [{"GroupId": source}]}])
    assert ec2.describe_security_groups(GroupIds=[target])["SecurityGroups"][0]["IpPermissions"] == []


def test_endpoint_interfaces(aws):
    ec2 = aws("ec2")
    vpc, subnets = network(aws, "10.32.0.0/16")
    group = ec2.create_security_group(GroupName=unique("endpoint"), Description="d", VpcId=vpc)["GroupId"]
    endpoint = ec2.create_vpc_endpoint(VpcId=vpc, ServiceName="com.amazonaws.eu-west-1.ecr.api", VpcEndpointType="Interface",
                                       SubnetIds=subnets[:1], SecurityGroupIds=[group])["VpcEndpoint"]
    interface = ec2.describe_network_interfaces(NetworkInterfaceIds=endpoint["NetworkInterfaceIds"])["NetworkInterfaces"][0]
    assert [g["GroupId"] for g in interface["Groups"]] == [group]
    assert interface["PrivateIpAddress"].startswith("10.32.1.")


def test_launched_instance_settings(aws):
    ec2 = aws("ec2")
    _, subnets = network(aws, "10.33.0.0/16")
    iam = aws("iam")
    profile = iam.create_instance_profile(InstanceProfileName=unique("nodes"))["InstanceProfile"]
    template = ec2.create_launch_template(LaunchTemplateName=unique("lt"), LaunchTemplateData={
        "ImageId": "ami-12c6146b", "MetadataOptions": {"HttpTokens": "required", "HttpPutResponseHopLimit": 1},
        "IamInstanceProfile": {"Arn": profile["Arn"]}})["LaunchTemplate"]
    autoscaling = aws("autoscaling")
    name = unique("asg")
    autoscaling.create_auto_scaling_group(AutoScalingGroupName=name, MinSize=1, MaxSize=1, DesiredCapacity=1,
                                          LaunchTemplate={"LaunchTemplateId": template["LaunchTemplateId"]}, VPCZoneIdentifier=subnets[0])
    instance_id = autoscaling.describe_auto_scaling_groups(AutoScalingGroupNames=[name])["AutoScalingGroups"][0]["Instances"][0]["InstanceId"]
    instance = ec2.describe_instances(InstanceIds=[instance_id])["Reservations"][0]["Instances"][0]
    assert instance["MetadataOptions"]["HttpTokens"] == "required"
    assert instance["MetadataOptions"]["HttpPutResponseHopLimit"] == 1
    assert instance["IamInstanceProfile"]["Arn"] == profile["Arn"]
    # RunInstances with a profile: every instance of the call has it.
    launched = ec2.run_instances(ImageId="ami-12c6146b", MinCount=3, MaxCount=3, SubnetId=subnets[0],
                                 IamInstanceProfile={"Arn": profile["Arn"]})["Instances"]
    described = ec2.describe_instances(InstanceIds=[i["InstanceId"] for i in launched])["Reservations"][0]["Instances"]
    assert [i["IamInstanceProfile"]["Arn"] for i in described] == [profile["Arn"]] * 3


def test_default_acl_ipv6(aws):
    ec2 = aws("ec2")
    vpc, _ = network(aws, "10.34.0.0/16", ipv6=True)
    acl = ec2.describe_network_acls(Filters=[{"Name": "vpc-id", "Values": [vpc]}, {"Name": "default", "Values": ["true"]}])["NetworkAcls"][0]
    ipv6 = {(e["RuleNumber"], e["Egress"], e["RuleAction"]) for e in acl["Entries"] if e.get("Ipv6CidrBlock") == "::/0"}
    assert ipv6 == {(101, False, "allow"), (101, True, "allow"), (32768, False, "deny"), (32768, True, "deny")}


def test_interface_ipv6_on_creation(aws):
    ec2 = aws("ec2")
    vpc, subnets = network(aws, "10.35.0.0/16", ipv6=True)
    block = ec2.describe_vpcs(VpcIds=[vpc])["Vpcs"][0]["Ipv6CidrBlockAssociationSet"][0]["Ipv6CidrBlock"]
    subnet_block = block.replace("/56", "/64")
    ec2.associate_subnet_cidr_block(SubnetId=subnets[0], Ipv6CidrBlock=subnet_block)
    ec2.modify_subnet_attribute(SubnetId=subnets[0], AssignIpv6AddressOnCreation={"Value": True})
    interface = ec2.create_network_interface(SubnetId=subnets[0])["NetworkInterface"]
    assert len(interface["Ipv6Addresses"]) == 1


def test_mixed_instances_policy_types(aws):
    ec2 = aws("ec2")
    _, subnets = network(aws, "10.68.0.0/16")
    image = ec2.describe_images()["Images"][0]["ImageId"]
    template = ec2.create_launch_template(LaunchTemplateName=unique("lt"), LaunchTemplateData={"ImageId": image})["LaunchTemplate"]["LaunchTemplateId"]
    name = unique("asg")
    aws("autoscaling").create_auto_scaling_group(
        AutoScalingGroupName=name, MinSize=1, MaxSize=1, DesiredCapacity=1, VPCZoneIdentifier=subnets[0],
        MixedInstancesPolicy={
            "LaunchTemplate": {"LaunchTemplateSpecification": {"LaunchTemplateId": template},
                               "Overrides": [{"InstanceType": "c6i.large"}, {"InstanceType": "c5.large"}]},
            "InstancesDistribution": {"OnDemandPercentageAboveBaseCapacity": 0}})
    group = aws("autoscaling").describe_auto_scaling_groups(AutoScalingGroupNames=[name])["AutoScalingGroups"][0]
    instance = group["Instances"][0]["InstanceId"]
    described = ec2.describe_instances(InstanceIds=[instance])["Reservations"][0]["Instances"][0]
    assert described["InstanceType"] == "c6i.large"


def test_mapping_of_an_image_volume(aws):
    ec2 = aws("ec2")
    _, subnets = network(aws, "10.69.0.0/16")
    image = ec2.describe_images()["Images"][0]["ImageId"]
    mappings = [{"DeviceName": "/dev/xvda", "Ebs": {"Encrypted": True, "VolumeType": "gp3"}},
                {"DeviceName": "/dev/xvdb", "Ebs": {"Encrypted": True, "VolumeSize": 50, "VolumeType": "gp3"}}]
    instance = ec2.run_instances(ImageId=image, MinCount=1, MaxCount=1, SubnetId=subnets[0], BlockDeviceMappings=mappings)["Instances"][0]["InstanceId"]
    volumes = ec2.describe_volumes(Filters=[{"Name": "attachment.instance-id", "Values": [instance]}])["Volumes"]
    by_device = {v["Attachments"][0]["Device"]: v for v in volumes}
    assert by_device["/dev/xvda"]["Size"] == 8 and by_device["/dev/xvda"]["Encrypted"]
    assert by_device["/dev/xvdb"]["Size"] == 50


def test_subnet_acl_association_goes(aws):
    ec2 = aws("ec2")
    vpc, subnets = network(aws, "10.70.0.0/16")
    associated = lambda: [a["SubnetId"] for acl in ec2.describe_network_acls(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["NetworkAcls"] for a in acl["Associations"]]
    assert subnets[0] in associated()
    ec2.delete_subnet(SubnetId=subnets[0])
    assert subnets[0] not in associated()
