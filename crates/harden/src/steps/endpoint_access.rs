//! Step 7: the API endpoint is private; public access is off, or limited to the blocks the
//! user lists.

use std::collections::BTreeSet;
use std::fmt;

use async_trait::async_trait;
use eksharden_discovery::Discovery;
use serde::Serialize;

use crate::change::{Alteration, Change};
use crate::error::HardenError;
use crate::step::{AwsStep, Inspected};
use crate::{Options, Target};

/// The step: endpoint-access.
pub static STEP: AwsStep = AwsStep {
    id: "endpoint-access",
    title: "private endpoint on, public off or limited",
    after_create: false,
    reads: &[],
    judge,
};

/// The endpoint's access against the wanted one.
pub(super) fn judge(found: &Discovery, options: &Options) -> Inspected {
    let facts = &found.facts;
    let public_cidrs: Vec<String> = facts.public_access_cidrs.iter().map(ToString::to_string).collect();
    let current = vec![format!(
        "private {}, public {}",
        if facts.endpoint_private { "on" } else { "off" },
        if facts.endpoint_public { format!("on from {}", public_cidrs.join(", ")) } else { "off".into() }
    )];
    let public = !options.public_cidrs.is_empty();
    let same_blocks =
        public_cidrs.iter().collect::<BTreeSet<_>>() == options.public_cidrs.iter().collect::<BTreeSet<_>>();
    let right = facts.endpoint_private && facts.endpoint_public == public && (!public || same_blocks);
    let change = SetEndpointAccess { private: true, public, public_cidrs: options.public_cidrs.clone() };
    Inspected::new(current, if right { Vec::new() } else { vec![Change::new(change)] })
}

/// Set the API endpoint's access.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SetEndpointAccess {
    /// Private access.
    pub private: bool,
    /// Public access.
    pub public: bool,
    /// The blocks admitted to the public endpoint.
    pub public_cidrs: Vec<String>,
}

impl fmt::Display for SetEndpointAccess {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let public =
            if self.public { format!("public from {}", self.public_cidrs.join(", ")) } else { "public off".into() };
        write!(f, "set endpoint access: private {}, {public}", if self.private { "on" } else { "off" })
    }
}

#[async_trait]
impl Alteration for SetEndpointAccess {
    const KIND: &'static str = "endpointAccess";

    async fn make(&self, target: &Target<'_>, _options: &Options) -> Result<Vec<String>, HardenError> {
        let (aws, cluster) = (target.aws, target.cluster);
        eksharden_aws::changes::set_endpoint_access(aws, cluster, self.private, self.public, &self.public_cidrs)
            .await?;
        Ok(Vec::new())
    }

    fn touches<'a>(&'a self, cluster: &'a str) -> Option<&'a str> {
        Some(cluster)
    }

    fn cluster_config_field(&self, _found: &Discovery) -> Option<&'static str> {
        Some("vpc.clusterEndpoints (privateAccess: true, publicAccess: false) and vpc.publicAccessCIDRs")
    }
}
