"""One test per gap of `iam_sts`: the EKS token's presigned GetCallerIdentity, and AssumeRole."""

import json
import urllib.error
import urllib.request

import botocore.exceptions
import botocore.session
import pytest
from botocore.credentials import Credentials
from botocore.model import ServiceId
from botocore.signers import RequestSigner

from conftest import deploy, unique


def _role(aws, principal):
    trust = {"Statement": [{"Effect": "Allow", "Principal": {"AWS": principal}, "Action": "sts:AssumeRole"}]}
    return aws("iam").create_role(RoleName=unique("role"), AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]


def _token_url(server, aws):
    """An assumed role's EKS token as eksharden makes it: a GetCallerIdentity presigned with
    the cluster's name in the signed `x-k8s-aws-id` header. Returns (the role, the URL)."""
    arn = _role(aws, "arn:aws:iam::123456789012:root")
    c = aws("sts").assume_role(RoleArn=arn, RoleSessionName="test")["Credentials"]
    credentials = Credentials(c["AccessKeyId"], c["SecretAccessKey"], c["SessionToken"])
    events = botocore.session.get_session().get_component("event_emitter")
    signer = RequestSigner(ServiceId("sts"), "eu-west-1", "sts", "v4", credentials, events)
    request = {"method": "GET", "url": f"{server.url}/?Action=GetCallerIdentity&Version=2011-06-15", "body": {},
               "headers": {"x-k8s-aws-id": "a-cluster"}, "context": {}}
    return arn, signer.generate_presigned_url(request, region_name="eu-west-1", expires_in=60, operation_name="")


def _get(url):
    request = urllib.request.Request(url, headers={"x-k8s-aws-id": "a-cluster"})
    try:
        with urllib.request.urlopen(request) as answer:
            return answer.status, answer.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def test_presigned_requests(server, aws):
    arn, url = _token_url(server, aws)
    status, body = _get(url)
    assert status == 200, body
    assert "assumed-role/" + arn.rsplit("/", 1)[1] in body, body


def test_presigned_signature_checked(server, aws):
    _, url = _token_url(server, aws)
    signature = url.split("X-Amz-Signature=")[1].split("&")[0]
    forged = url.replace(signature, ("0" if signature[0] != "0" else "1") + signature[1:])
    status, body = _get(forged)
    assert status >= 400 and "SignatureDoesNotMatch" in body, body


def test_assume_role_trust(aws):
    sts = aws("sts")
    with pytest.raises(botocore.exceptions.ClientError, match="AccessDenied"):
        sts.assume_role(RoleArn=_role(aws, "arn:aws:iam::999999999999:root"), RoleSessionName="outsider")
    with pytest.raises(botocore.exceptions.ClientError, match="AccessDenied"):
        sts.assume_role(RoleArn="arn:aws:iam::123456789012:role/does-not-exist", RoleSessionName="nobody")
    assert sts.assume_role(RoleArn=_role(aws, "123456789012"), RoleSessionName="insider")["Credentials"]["AccessKeyId"]


def test_oidc_provider_type(aws):
    url = f"https://oidc.eks.eu-west-1.amazonaws.com/id/{unique('ID').upper()}"
    template = {"Resources": {"Provider": {"Type": "AWS::IAM::OIDCProvider", "Properties": {
        "Url": url, "ClientIdList": ["sts.amazonaws.com"], "Tags": [{"Key": "team", "Value": "a"}]}}},
        "Outputs": {"Ref": {"Value": {"Ref": "Provider"}}, "Arn": {"Value": {"Fn::GetAtt": ["Provider", "Arn"]}}}}
    stack, status, out = deploy(aws, template)
    assert status == "CREATE_COMPLETE" and out["Ref"] == out["Arn"]
    provider = aws("iam").get_open_id_connect_provider(OpenIDConnectProviderArn=out["Arn"])
    assert provider["ClientIDList"] == ["sts.amazonaws.com"] and provider["Url"] == url.removeprefix("https://")
    aws("cloudformation").delete_stack(StackName=stack)
    assert out["Arn"] not in [p["Arn"] for p in aws("iam").list_open_id_connect_providers()["OpenIDConnectProviderList"]]
