//! Step 8: all five control-plane log types are on.

use eksharden_aws::discover::Discovery;
use eksharden_net::posture::LOG_TYPES;

use super::Inspected;
use crate::change::Change;

/// The log types that are off.
pub fn inspect(found: &Discovery) -> Inspected {
    let logging = &found.facts.logging;
    let missing: Vec<String> =
        LOG_TYPES.iter().filter(|t| !logging.iter().any(|l| l == *t)).map(|t| t.to_string()).collect();
    let current = vec![format!("enabled: {}", if logging.is_empty() { "none".into() } else { logging.join(", ") })];
    (current, if missing.is_empty() { Vec::new() } else { vec![Change::EnableLogging { types: missing }] })
}
