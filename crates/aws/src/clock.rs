//! Today's date, for what depends on the day (a Kubernetes version's support on EKS).

use eksharden_spec::versions::Date;

/// Today's date (UTC), or the one `EKSHARDEN_TODAY` names (`YYYY-MM-DD`), so that output
/// that depends on the day can be reproduced (the tests fix it).
pub fn today() -> Date {
    if let Some(date) = std::env::var("EKSHARDEN_TODAY").ok().and_then(|d| Date::parse(&d)) {
        return date;
    }
    let seconds = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs());
    Date::from_unix_days(i64::try_from(seconds / 86_400).unwrap_or_default())
}
