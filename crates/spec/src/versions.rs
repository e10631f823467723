//! The Kubernetes versions Amazon EKS offers, with the end of their standard and extended
//! support: the one place to update when EKS publishes a new version.
//!
//! Source: the Amazon EKS User Guide, "Understand the Kubernetes version lifecycle on EKS"
//! (its release calendar). A minor version has 14 months of standard support from its
//! release on EKS, then 12 months of extended support, which costs USD 0.60 per cluster
//! hour instead of 0.10; after that EKS upgrades the cluster itself.

use std::fmt;

/// Where the table comes from, for messages.
pub const SOURCE: &str = "the Amazon EKS User Guide, \"Understand the Kubernetes version lifecycle on EKS\"";

/// What a cluster costs per hour in extended support, against standard support.
pub const EXTENDED_COST: &str = "USD 0.60 per cluster hour instead of 0.10 in standard support";

/// A calendar date (UTC).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    /// The year.
    pub year: i32,
    /// The month, 1 to 12.
    pub month: u32,
    /// The day, 1 to 31.
    pub day: u32,
}

impl Date {
    /// The date `days` days after 1970-01-01 (the civil-from-days algorithm of H. Hinnant).
    pub fn from_unix_days(days: i64) -> Self {
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let day_of_era = z.rem_euclid(146_097);
        let year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
        let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
        let shifted_month = (5 * day_of_year + 2) / 153;
        let day = (day_of_year - (153 * shifted_month + 2) / 5 + 1) as u32;
        let month = if shifted_month < 10 { shifted_month + 3 } else { shifted_month - 9 } as u32;
        let year = (year_of_era + era * 400 + i64::from(month <= 2)) as i32;
        Self { year, month, day }
    }

    /// Parses `YYYY-MM-DD`.
    pub fn parse(text: &str) -> Option<Self> {
        let mut parts = text.splitn(3, '-');
        let year = parts.next()?.parse().ok()?;
        let month = parts.next()?.parse().ok().filter(|m| (1..=12).contains(m))?;
        let day = parts.next()?.parse().ok().filter(|d| (1..=31).contains(d))?;
        Some(Self { year, month, day })
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

/// One Kubernetes minor version on EKS.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Release {
    /// `1.35`.
    pub version: &'static str,
    /// When EKS first offered it.
    pub released: Date,
    /// The last day of standard support.
    pub end_of_standard: Date,
    /// The last day of extended support.
    pub end_of_extended: Date,
}

const fn date(year: i32, month: u32, day: u32) -> Date {
    Date { year, month, day }
}

const fn release(version: &'static str, released: Date, end_of_standard: Date, end_of_extended: Date) -> Release {
    Release { version, released, end_of_standard, end_of_extended }
}

/// Every version in the calendar, newest first.
pub const RELEASES: [Release; 8] = [
    release("1.35", date(2026, 1, 28), date(2027, 3, 27), date(2028, 3, 27)),
    release("1.34", date(2025, 10, 6), date(2026, 12, 2), date(2027, 12, 2)),
    release("1.33", date(2025, 5, 28), date(2026, 7, 29), date(2027, 7, 29)),
    release("1.32", date(2025, 1, 25), date(2026, 3, 23), date(2027, 3, 23)),
    release("1.31", date(2024, 9, 26), date(2025, 11, 26), date(2026, 11, 26)),
    release("1.30", date(2024, 5, 23), date(2025, 7, 23), date(2026, 7, 23)),
    release("1.29", date(2024, 1, 23), date(2025, 3, 23), date(2026, 3, 23)),
    release("1.28", date(2023, 9, 26), date(2024, 11, 26), date(2025, 11, 26)),
];

/// The version a spec gets when it names none: the newest in the calendar, which is in
/// standard support.
pub const DEFAULT: &str = RELEASES[0].version;

/// The calendar entry of `version`, if EKS has offered it.
pub fn release_of(version: &str) -> Option<&'static Release> {
    RELEASES.iter().find(|r| r.version == version)
}

/// The oldest release of the calendar, when `version` (`1.N`) is older than it: a version
/// long past its support.
pub fn older_than_calendar(version: &str) -> Option<&'static Release> {
    let minor = |v: &str| v.strip_prefix("1.").and_then(|m| m.parse::<u32>().ok());
    let oldest = RELEASES.last()?;
    (minor(version)? < minor(oldest.version)?).then_some(oldest)
}

/// Where a version stands on a given day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Support {
    /// In standard support until the date.
    Standard(Date),
    /// In extended support (and extra cost) until the date.
    Extended(Date),
    /// No longer offered: extended support ended on the date.
    Ended(Date),
}

impl Release {
    /// Where this version stands on `today`.
    pub fn support(&self, today: Date) -> Support {
        if today <= self.end_of_standard {
            Support::Standard(self.end_of_standard)
        } else if today <= self.end_of_extended {
            Support::Extended(self.end_of_extended)
        } else {
            Support::Ended(self.end_of_extended)
        }
    }
}

/// The versions EKS offers on `today` (standard or extended support), newest first.
pub fn offered(today: Date) -> Vec<&'static str> {
    RELEASES.iter().filter(|r| !matches!(r.support(today), Support::Ended(_))).map(|r| r.version).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unix_days_become_dates() {
        assert_eq!(Date::from_unix_days(0), date(1970, 1, 1));
        assert_eq!(Date::from_unix_days(19_782), date(2024, 2, 29));
        assert_eq!(Date::from_unix_days(20_786), date(2026, 11, 29));
        assert_eq!(Date::parse("2026-11-29"), Some(date(2026, 11, 29)));
        assert_eq!(Date::parse("2026-13-01"), None);
    }

    #[test]
    fn support_changes_on_the_calendar_dates() {
        let v131 = release_of("1.31").unwrap();
        assert_eq!(v131.support(date(2025, 11, 26)), Support::Standard(date(2025, 11, 26)));
        assert_eq!(v131.support(date(2025, 11, 27)), Support::Extended(date(2026, 11, 26)));
        assert_eq!(v131.support(date(2026, 11, 27)), Support::Ended(date(2026, 11, 26)));
        assert_eq!(offered(date(2026, 11, 29)), ["1.35", "1.34", "1.33", "1.32"]);
        assert_eq!(older_than_calendar("1.19").map(|r| r.version), Some("1.28"));
        assert_eq!(older_than_calendar("1.99"), None);
        assert_eq!(older_than_calendar("banana"), None);
    }

    #[test]
    fn the_calendar_is_newest_first_with_fourteen_and_twelve_months() {
        for pair in RELEASES.windows(2) {
            assert!(pair[0].released > pair[1].released, "{pair:?}");
        }
        for r in RELEASES {
            assert!(r.released < r.end_of_standard && r.end_of_standard < r.end_of_extended, "{r:?}");
            assert_eq!(r.end_of_extended.year, r.end_of_standard.year + 1, "{r:?}");
        }
        assert_eq!(DEFAULT, "1.35");
    }
}
