//! Value types of the spec that check themselves when read: CIDR blocks, ports, ARNs.
//!
//! Each rejects a bad value with a message that says what was expected, so the error that
//! serde reports is already the human one.

use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

use ipnet::Ipv4Net;
use schemars::{json_schema, JsonSchema, Schema, SchemaGenerator};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Whether `region` is an AWS region name: `eu-west-1`, `us-gov-west-1`, `ap-southeast-3`,
/// `cn-north-1`. Regions become host names (`sts.REGION.amazonaws.com`), so nothing else
/// is let through.
pub fn is_region(region: &str) -> bool {
    let parts: Vec<&str> = region.split('-').collect();
    parts.len() >= 3
        && parts[0].len() == 2
        && parts.iter().all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit()))
        && parts.last().is_some_and(|p| p.chars().all(|c| c.is_ascii_digit()))
}

/// Whether `name` is a name EKS accepts for a cluster: 1 to 100 letters, digits, `-` and
/// `_`, starting with a letter or digit (EKS API, `CreateCluster`).
pub fn is_eks_cluster_name(name: &str) -> bool {
    name.len() <= 100
        && name.chars().next().is_some_and(|c| c.is_ascii_alphanumeric())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// An IPv4 CIDR block whose host bits are zero (`10.42.0.0/16`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Cidr(pub Ipv4Net);

impl Cidr {
    /// The network.
    pub fn net(&self) -> Ipv4Net {
        self.0
    }

    /// Whether this block lies wholly inside `other`.
    pub fn within(&self, other: &Cidr) -> bool {
        other.0.contains(&self.0)
    }

    /// Whether the two blocks share any address.
    pub fn overlaps(&self, other: &Cidr) -> bool {
        self.0.contains(&other.0) || other.0.contains(&self.0)
    }

    /// Whether this is `0.0.0.0/0`.
    pub fn is_anywhere(&self) -> bool {
        self.0.prefix_len() == 0
    }
}

impl FromStr for Cidr {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let Some((address, prefix)) = text.split_once('/') else {
            return Err(format!(
                "`{text}` is not a CIDR block: expected an IPv4 address, `/` and a prefix length, like 10.0.0.0/16"
            ));
        };
        let address: std::net::Ipv4Addr =
            address.parse().map_err(|_| format!("`{text}` is not a CIDR block: `{address}` is not an IPv4 address"))?;
        let prefix: u8 = prefix.parse().ok().filter(|p| *p <= 32).ok_or_else(|| {
            format!("`{text}` is not a CIDR block: the prefix length must be 0 to 32, not `{prefix}`")
        })?;
        let net = Ipv4Net::new(address, prefix).map_err(|e| format!("`{text}`: {e}"))?;
        if net.network() != address {
            return Err(format!("`{text}` has host bits set: the block starting there is {}", net.trunc()));
        }
        Ok(Self(net))
    }
}

impl fmt::Display for Cidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// A TCP or UDP port number, 1 to 65535.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Port(pub u16);

impl Port {
    /// The number.
    pub fn get(self) -> u16 {
        self.0
    }
}

impl fmt::Display for Port {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// An Amazon Resource Name: `arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE` (the account is
/// twelve digits, empty, or `aws` for what AWS owns, such as its managed policies).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Arn(String);

impl Arn {
    /// The text of the ARN.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The service part (`iam`, `kms`).
    pub fn service(&self) -> &str {
        self.0.split(':').nth(2).unwrap_or_default()
    }

    /// The resource part, everything after the fifth colon.
    pub fn resource(&self) -> &str {
        self.0.splitn(6, ':').nth(5).unwrap_or_default()
    }

    /// Whether this names an IAM role or user, the principals EKS maps.
    pub fn is_iam_principal(&self) -> bool {
        self.service() == "iam" && (self.resource().starts_with("role/") || self.resource().starts_with("user/"))
    }
}

impl FromStr for Arn {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let parts: Vec<&str> = text.splitn(6, ':').collect();
        let well_formed = parts.len() == 6
            && parts[0] == "arn"
            && matches!(parts[1], "aws" | "aws-cn" | "aws-us-gov" | "aws-iso" | "aws-iso-b")
            && !parts[2].is_empty()
            && (parts[4].is_empty()
                || parts[4] == "aws"
                || (parts[4].len() == 12 && parts[4].bytes().all(|b| b.is_ascii_digit())))
            && !parts[5].is_empty();
        if well_formed {
            Ok(Self(text.to_owned()))
        } else {
            Err(format!(
                "`{text}` is not an ARN: expected arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE with a 12-digit account, like arn:aws:iam::111122223333:role/platform-admin"
            ))
        }
    }
}

impl fmt::Display for Arn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

macro_rules! string_value {
    ($type:ty, $schema:expr) => {
        impl<'de> Deserialize<'de> for $type {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let text = String::deserialize(deserializer)?;
                text.parse().map_err(serde::de::Error::custom)
            }
        }

        impl Serialize for $type {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.collect_str(self)
            }
        }

        impl JsonSchema for $type {
            fn schema_name() -> Cow<'static, str> {
                stringify!($type).into()
            }

            fn json_schema(_: &mut SchemaGenerator) -> Schema {
                $schema
            }
        }
    };
}

string_value!(
    Cidr,
    json_schema!({
        "type": "string",
        "description": "An IPv4 CIDR block with no host bits set, like 10.42.0.0/16",
        "pattern": r"^(\d{1,3}\.){3}\d{1,3}/\d{1,2}$"
    })
);
string_value!(
    Arn,
    json_schema!({
        "type": "string",
        "description": "An Amazon Resource Name",
        "pattern": r"^arn:aws[a-z-]*:[a-z0-9-]+:[a-z0-9-]*:(\d{12})?:.+$"
    })
);

impl<'de> Deserialize<'de> for Port {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let number = i64::deserialize(deserializer)?;
        u16::try_from(number)
            .ok()
            .filter(|p| *p != 0)
            .map(Port)
            .ok_or_else(|| serde::de::Error::custom(format!("port {number} is out of range: ports are 1 to 65535")))
    }
}

impl Serialize for Port {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_u16(self.0)
    }
}

impl JsonSchema for Port {
    fn schema_name() -> Cow<'static, str> {
        "Port".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({ "type": "integer", "minimum": 1, "maximum": 65535 })
    }
}

/// The partition of a region, for the ARNs of AWS managed policies (`aws-cn` for `cn-`
/// regions, `aws-us-gov` for `us-gov-` ones, else `aws`).
pub fn partition_of(region: &str) -> &'static str {
    if region.starts_with("cn-") {
        "aws-cn"
    } else if region.starts_with("us-gov-") {
        "aws-us-gov"
    } else {
        "aws"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cidr_rejects_with_reasons() {
        assert!("10.42.0.0/16".parse::<Cidr>().is_ok());
        let err = "10.42.0.0/33".parse::<Cidr>().unwrap_err();
        assert!(err.contains("prefix length must be 0 to 32"), "{err}");
        let err = "10.42.0.1/16".parse::<Cidr>().unwrap_err();
        assert!(err.contains("10.42.0.0/16"), "{err}");
        assert!("10.42.0.0".parse::<Cidr>().unwrap_err().contains("not a CIDR block"));
        assert!("300.1.1.0/24".parse::<Cidr>().unwrap_err().contains("not an IPv4 address"));
    }

    #[test]
    fn arn_parts() {
        let arn: Arn = "arn:aws:iam::111122223333:role/platform/admin".parse().unwrap();
        assert_eq!(arn.service(), "iam");
        assert_eq!(arn.resource(), "role/platform/admin");
        assert!(arn.is_iam_principal());
        assert!("arn:aws:iam::1111:role/x".parse::<Arn>().is_err());
        assert!("platform-admin".parse::<Arn>().is_err());
    }
}
