"""IAM and STS as the EKS token needs them: a presigned GetCallerIdentity reaches STS as the key
that signed it, its signature is checked, and AssumeRole honours the role's trust policy."""

import fnmatch
import hashlib
import hmac
import json
from urllib.parse import parse_qs, quote, unquote

from moto.core.responses import BaseResponse
from moto.iam.models import iam_backends
from moto.moto_server.werkzeug_app import DomainDispatcherApplication
from moto.sts.exceptions import STSClientError
from moto.sts.models import sts_backends
from moto.sts.responses import TokenResponse

from .common import Resource, iam
from .registry import cloudformation_type, gap, replaces

PRESIGNED = gap("presigned_requests", """a presigned request (an EKS token replayed against STS) goes
    to the service of its X-Amz-Credential scope and is made by that access key (moto sent it to S3,
    and took every such caller for a default user)""")


@replaces(DomainDispatcherApplication, "infer_service_region_host", PRESIGNED)
def _infer_service_region_host(self, environ, path):
    credential = parse_qs(environ.get("QUERY_STRING", "")).get("X-Amz-Credential")
    if not environ.get("HTTP_AUTHORIZATION") and credential and len(credential[0].split("/")) == 5:
        environ = {**environ, "HTTP_AUTHORIZATION": f"AWS4-HMAC-SHA256 Credential={credential[0]}, SignedHeaders=host, Signature=0"}
    return _infer_service_region_host.original(self, environ, path)


@replaces(BaseResponse, "get_access_key", PRESIGNED)
def _get_access_key(self):
    credential = self.querystring.get("X-Amz-Credential")
    if "Authorization" not in self.headers and credential:
        return credential[0].split("/")[0]
    return _get_access_key.original(self)


def _holder_of(response, access_key):
    """The assumed-role session or IAM user moto issued `access_key` to: (role, user), one None."""
    role = sts_backends[response.current_account][response.partition].get_assumed_role_from_access_key(access_key)
    if role is not None:
        return role, None
    return None, iam_backends[response.current_account][response.partition].get_user_from_access_key_id(access_key)


def _secret_of(response, access_key):
    """The secret of a key moto issued, or None."""
    role, user = _holder_of(response, access_key)
    if role is not None:
        return role.secret_access_key
    if user is not None:
        return next((k.secret_access_key for k in user.access_keys if k.access_key_id == access_key), None)
    return None


def _presigned_signature(response, secret):
    """SigV4 of a presigned GET, recomputed from the request as it arrived."""
    pairs = []
    for name, values in response.querystring.items():
        if name != "X-Amz-Signature":
            pairs.extend((name, v) for v in values)
    query = "&".join(f"{quote(k, safe='-_.~')}={quote(v, safe='-_.~')}" for k, v in sorted(pairs))
    signed = response.querystring["X-Amz-SignedHeaders"][0].split(";")
    headers = "".join(f"{h}:{response.headers.get(h, '').strip()}\n" for h in signed)
    canonical = "\n".join(["GET", "/", query, headers, ";".join(signed), hashlib.sha256(b"").hexdigest()])
    date = response.querystring["X-Amz-Date"][0]
    scope = response.querystring["X-Amz-Credential"][0].split("/", 1)[1]
    to_sign = "\n".join(["AWS4-HMAC-SHA256", date, scope, hashlib.sha256(canonical.encode()).hexdigest()])
    key = ("AWS4" + secret).encode()
    for part in scope.split("/"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()


SIGNATURE = gap("presigned_signature_checked", """a presigned GetCallerIdentity made with credentials
    moto issued (an assumed role, an IAM user's key) must carry a valid SigV4 signature, or STS
    answers SignatureDoesNotMatch (moto checked no signature; keys moto never issued are still
    taken on trust)""")


@replaces(TokenResponse, "get_caller_identity", SIGNATURE)
def _get_caller_identity(self):
    signature = self.querystring.get("X-Amz-Signature")
    if signature:
        secret = _secret_of(self, self.get_access_key())
        if secret is not None and not hmac.compare_digest(_presigned_signature(self, secret), signature[0]):
            raise STSClientError("SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided.")
    return _get_caller_identity.original(self)


def _caller_arns(response):
    """The ARNs a trust policy may name for the caller: its own, and its role's when it is an
    assumed-role session."""
    role, user = _holder_of(response, response.get_access_key())
    if role is not None:
        return [role.arn, role.role_arn]
    if user is not None:
        return [user.arn]
    return [f"arn:aws:sts::{response.current_account}:user/moto"]


def _listed(value):
    return value if isinstance(value, list) else [value]


def trusts(document, callers):
    """Whether a trust policy lets one of `callers` assume the role: an Allow statement for
    sts:AssumeRole names the caller, its account or `*`, and no such Deny does. Conditions
    are not evaluated."""
    allowed = False
    for statement in _listed(json.loads(document).get("Statement", [])):
        actions = [a.lower() for a in _listed(statement.get("Action", []))]
        if not any(fnmatch.fnmatch("sts:assumerole", a) for a in actions):
            continue
        principal = statement.get("Principal", {})
        named = ["*"] if principal == "*" else _listed(principal.get("AWS", []))
        accounts = {c.split(":")[4] for c in callers}
        matches = any(
            p == "*" or p in callers or p in accounts or p in {f"arn:aws:iam::{a}:root" for a in accounts}
            for p in named
        )
        if matches and statement.get("Effect") == "Deny":
            return False
        allowed = allowed or (matches and statement.get("Effect") == "Allow")
    return allowed


TRUST = gap("assume_role_trust", """AssumeRole needs the role to exist and its trust policy to let the
    caller in (moto let anybody assume anything, so "nobody may assume it" could not be shown)""")


@replaces(TokenResponse, "assume_role", TRUST)
def _assume_role(self):
    role_arn = self._get_param("RoleArn")
    callers = _caller_arns(self)
    try:
        role = iam_backends[role_arn.split(":")[4]][self.partition].get_role_by_arn(role_arn)
    except Exception:  # noqa: BLE001 (moto raises its own IAMNotFoundException)
        role = None
    if role is None or not trusts(unquote(role.assume_role_policy_document), callers):
        raise STSClientError(
            "AccessDenied",
            f"User: {callers[0]} is not authorized to perform: sts:AssumeRole on resource: {role_arn}",
        )
    return _assume_role.original(self)


OIDC_PROVIDER = gap("oidc_provider_type", """AWS::IAM::OIDCProvider (moto's IAM keeps OIDC providers but had no
    CloudFormation type): its Ref and Arn are the provider's ARN""")


@cloudformation_type(OIDC_PROVIDER)
class OidcProvider(Resource):
    ATTRIBUTES = ("Arn",)

    @staticmethod
    def cloudformation_type():
        return "AWS::IAM::OIDCProvider"

    @classmethod
    def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        props = cloudformation_json["Properties"]
        provider = iam(account_id).create_open_id_connect_provider(
            url=props["Url"],
            thumbprint_list=list(props.get("ThumbprintList", [])),
            client_id_list=list(props.get("ClientIdList", [])),
            tags=list(props.get("Tags", [])),
        )
        return cls(provider.arn, {"Arn": provider.arn})

    def delete(self, account_id, region_name):
        backend = iam(account_id)
        if self._physical_id in backend.open_id_providers:
            backend.delete_open_id_connect_provider(self._physical_id)
