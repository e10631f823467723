//! Step 1 (STACKROX-EKS, "For new clusters" 2 and 7): the dedicated creator role has no
//! permissions and nobody may assume it; it is kept for break-glass repair.

use super::{cannot_inspect, Inspected};
use crate::change::Change;
use crate::Target;

/// The creator role's permissions and trust.
pub async fn inspect(target: &Target<'_>) -> Result<Inspected, String> {
    let state = eksharden_aws::creator::inspect(target.aws, target.cluster).await.map_err(cannot_inspect)?;
    Ok(match state {
        None => (vec!["the cluster has no dedicated creator role".into()], Vec::new()),
        Some(state) if state.is_stripped() => {
            (vec![format!("{}: no permissions, nobody may assume it", state.arn)], Vec::new())
        }
        Some(state) => {
            let current = vec![format!(
                "{}: inline {:?}, attached {:?}, {}",
                state.arn,
                state.inline,
                state.attached,
                if state.assumable { "assumable" } else { "not assumable" }
            )];
            (current, vec![Change::StripCreatorRole { role: state.arn }])
        }
    })
}
