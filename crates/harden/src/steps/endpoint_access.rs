//! Step 7: the API endpoint is private; public access is off, or limited to the blocks the
//! user lists.

use std::collections::BTreeSet;

use eksharden_aws::discover::Discovery;

use super::Inspected;
use crate::change::Change;
use crate::Options;

/// The endpoint's access against the wanted one.
pub fn inspect(found: &Discovery, options: &Options) -> Inspected {
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
    let change = Change::EndpointAccess { private: true, public, public_cidrs: options.public_cidrs.clone() };
    (current, if right { Vec::new() } else { vec![change] })
}
