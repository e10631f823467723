//! The concrete subnet blocks of a VPC: given in the spec, or carved from its CIDR.
//!
//! Carving: private (node) subnets are the first blocks of prefix `/p+3` (eight per VPC, so
//! up to six zones leave room); public subnets are `/p+8` blocks taken from the start of
//! the seventh `/p+3` block. A /16 gives /19 node subnets and /24 public subnets.

use ipnet::Ipv4Net;

use crate::model::Vpc;
use crate::values::Cidr;

/// The smallest VPC (longest prefix) that can be carved automatically.
pub const LONGEST_CARVABLE_PREFIX: u8 = 20;

/// The most zones an automatic layout supports.
pub const MAX_ZONES: usize = 6;

/// The subnets of one availability zone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZoneSubnets {
    /// The zone name.
    pub zone: String,
    /// The node subnet.
    pub private: Cidr,
    /// The load-balancer and NAT subnet.
    pub public: Cidr,
}

/// Why a layout cannot be carved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LayoutError {
    /// The VPC's prefix is too long to carve.
    TooSmall {
        /// The VPC's prefix length.
        prefix: u8,
    },
    /// More zones than the automatic layout supports.
    TooManyZones {
        /// The number of zones asked for.
        zones: usize,
    },
}

/// The subnets per zone, in the order of `vpc.availabilityZones`. With explicit subnets,
/// zones without a block are left out (validation reports the mismatch).
pub fn zone_subnets(vpc: &Vpc) -> Result<Vec<ZoneSubnets>, LayoutError> {
    if let Some(subnets) = &vpc.subnets {
        return Ok(vpc
            .availability_zones
            .iter()
            .zip(subnets.private.iter().zip(&subnets.public))
            .map(|(zone, (private, public))| ZoneSubnets { zone: zone.clone(), private: *private, public: *public })
            .collect());
    }
    let prefix = vpc.cidr.net().prefix_len();
    if prefix > LONGEST_CARVABLE_PREFIX {
        return Err(LayoutError::TooSmall { prefix });
    }
    let zones = vpc.availability_zones.len();
    if zones > MAX_ZONES {
        return Err(LayoutError::TooManyZones { zones });
    }
    let mut node_blocks = vpc.cidr.net().subnets(prefix + 3).expect("prefix + 3 <= 23");
    let private: Vec<Ipv4Net> = node_blocks.by_ref().take(zones).collect();
    let public_parent = vpc.cidr.net().subnets(prefix + 3).expect("prefix + 3 <= 23").nth(6).expect("eight blocks");
    let public: Vec<Ipv4Net> = public_parent.subnets(prefix + 8).expect("prefix + 8 <= 28").take(zones).collect();
    Ok(vpc
        .availability_zones
        .iter()
        .zip(private.into_iter().zip(public))
        .map(|(zone, (private, public))| ZoneSubnets {
            zone: zone.clone(),
            private: Cidr(private),
            public: Cidr(public),
        })
        .collect())
}

/// The pod subnets of custom networking, one per zone in the order of `vpc.availabilityZones`:
/// `pod_cidr` split into equal blocks, as few halvings as the zones need (three zones of a
/// /16 get /18s).
pub fn pod_subnets(vpc: &Vpc, pod_cidr: Cidr) -> Vec<(String, Cidr)> {
    let zones = vpc.availability_zones.len();
    let halvings = zones.max(1).next_power_of_two().trailing_zeros() as u8;
    let prefix = (pod_cidr.net().prefix_len() + halvings).min(32);
    let blocks = pod_cidr.net().subnets(prefix).expect("a prefix no shorter than the block's");
    vpc.availability_zones.iter().cloned().zip(blocks.map(Cidr)).collect()
}
