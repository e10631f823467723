//! The zones a cluster takes when its spec names none, as eksctl does: those EC2 lists as
//! available in the region (real availability zones, not local or wavelength zones), less
//! the ones EKS does not offer for the control plane (AWS-EKS-NETWORK), in name order, so a
//! run again makes the same choice.

use aws_sdk_ec2::types::{AvailabilityZone, Filter};
use eksharden_spec::model::ZONE_IDS_NOT_FOR_EKS;

use crate::client::Aws;
use crate::error::{aws_error, AwsError};

/// Up to `count` zones of the caller's region for an EKS cluster; two at least, or an error.
pub async fn for_eks(aws: &Aws, count: usize) -> Result<Vec<String>, AwsError> {
    let available = Filter::builder().name("state").values("available").build();
    let answer = aws
        .ec2
        .describe_availability_zones()
        .filters(available)
        .send()
        .await
        .map_err(aws_error("EC2.DescribeAvailabilityZones"))?;
    let zones = choose(answer.availability_zones(), count);
    if zones.len() < 2 {
        return Err(AwsError::local(
            "EC2.DescribeAvailabilityZones",
            format!("{} offers {} zone(s) to EKS; a cluster needs two: name them in the spec", aws.region, zones.len()),
        ));
    }
    Ok(zones)
}

/// The first `count` zones, by name, that EKS can use.
fn choose(zones: &[AvailabilityZone], count: usize) -> Vec<String> {
    let mut usable: Vec<String> = zones
        .iter()
        .filter(|z| z.zone_type().is_none_or(|t| t == "availability-zone"))
        .filter(|z| z.zone_id().is_none_or(|id| !ZONE_IDS_NOT_FOR_EKS.contains(&id)))
        .filter_map(|z| z.zone_name().map(str::to_owned))
        .collect();
    usable.sort();
    usable.truncate(count);
    usable
}

#[cfg(test)]
mod tests {
    use aws_sdk_ec2::types::AvailabilityZone;

    use super::choose;

    fn zone(name: &str, id: &str, kind: &str) -> AvailabilityZone {
        AvailabilityZone::builder().zone_name(name).zone_id(id).zone_type(kind).build()
    }

    #[test]
    fn takes_real_zones_eks_offers_in_name_order() {
        let zones = [
            zone("us-east-1c", "use1-az3", "availability-zone"),
            zone("us-east-1b", "use1-az1", "availability-zone"),
            zone("us-east-1-bos-1a", "use1-bos1-az1", "local-zone"),
            zone("us-east-1a", "use1-az6", "availability-zone"),
            zone("us-east-1d", "use1-az2", "availability-zone"),
            zone("us-east-1e", "use1-az4", "availability-zone"),
        ];
        assert_eq!(choose(&zones, 3), ["us-east-1a", "us-east-1b", "us-east-1d"]);
    }
}
