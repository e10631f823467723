//! The cluster's Kubernetes version is in EKS's standard support.

use crate::posture::{VersionFact, VersionSupport};
use crate::report::Status;

use super::{Check, Input, Judged};

/// The check.
pub static CHECK: Check = Check {
    id: "kubernetes-version",
    title: "Kubernetes version in standard support",
    citation: "AWS-EKS-VERSIONS",
    judge,
};

fn judge(Input { facts, .. }: &Input) -> Judged {
    let (status, detail) = match &facts.kubernetes_version {
        None => (Status::Warn, "the cluster reports no Kubernetes version".to_owned()),
        Some(VersionFact { version, support }) => match support {
            VersionSupport::Standard { until } => {
                (Status::Pass, format!("Kubernetes {version}, in standard support until {until}"))
            }
            VersionSupport::Extended { until, cost } => (
                Status::Warn,
                format!("Kubernetes {version} is in extended support until {until} ({cost}); upgrade it"),
            ),
            VersionSupport::Ended { on } => (
                Status::Fail,
                format!("Kubernetes {version}: extended support ended on {on}; EKS upgrades such clusters itself"),
            ),
            VersionSupport::Unknown => {
                (Status::Warn, format!("Kubernetes {version} is not in eksharden's calendar of EKS versions"))
            }
        },
    };
    (status, vec![detail])
}
