//! Route tables: the longest matching prefix decides.

use std::net::IpAddr;

use crate::model::{Route, RouteDestination, RouteTable, RouteTarget};

use super::Index;

/// The route `table` uses for `address`: the most specific matching block of the
/// address's family. Prefix-list routes (gateway endpoints) match the blocks of their list
/// when known.
pub(crate) fn lookup<'m>(index: &Index<'m>, table: &'m RouteTable, address: IpAddr) -> Option<&'m Route> {
    table
        .routes
        .iter()
        .filter_map(|route| {
            let length =
                match &route.destination {
                    RouteDestination::Cidr(cidr) => cidr.contains(&address).then_some(cidr.prefix_len()),
                    RouteDestination::PrefixList(id) => index.model.prefix_lists.get(id).and_then(|blocks| {
                        blocks.iter().filter(|b| b.contains(&address)).map(|b| b.prefix_len()).max()
                    }),
                }?;
            Some((length, route))
        })
        .max_by_key(|(length, _)| *length)
        .map(|(_, route)| route)
}

/// A route's destination as text.
pub(crate) fn destination(route: &Route) -> String {
    match &route.destination {
        RouteDestination::Cidr(cidr) => cidr.to_string(),
        RouteDestination::PrefixList(id) => id.clone(),
    }
}

/// A route's target as text.
pub(crate) fn target(route: &Route) -> String {
    match &route.target {
        RouteTarget::Local => "local".to_owned(),
        RouteTarget::InternetGateway(id)
        | RouteTarget::EgressOnlyInternetGateway(id)
        | RouteTarget::NatGateway(id)
        | RouteTarget::VpcEndpoint(id)
        | RouteTarget::Blackhole(id)
        | RouteTarget::Other(id) => id.clone(),
    }
}
