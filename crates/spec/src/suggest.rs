//! "Did you mean" suggestions for misspelled names.

/// The candidate closest to `word`, if it is close enough to be a likely typo.
pub fn closest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let word_lower = word.to_lowercase();
    candidates
        .into_iter()
        .map(|candidate| (strsim::jaro_winkler(&word_lower, &candidate.to_lowercase()), candidate))
        .filter(|(score, _)| *score >= 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, candidate)| candidate)
}

/// A hint line for an unknown `word`: the closest candidate, or the list of candidates.
pub fn hint(word: &str, candidates: &[&str]) -> String {
    match closest(word, candidates.iter().copied()) {
        Some(best) => format!("did you mean `{best}`?"),
        None => format!("expected one of {}", quoted_list(candidates)),
    }
}

/// `a`, `b` and `c` as "`a`, `b`, `c`".
pub fn quoted_list(items: &[&str]) -> String {
    items.iter().map(|i| format!("`{i}`")).collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_close_names_only() {
        let fields = ["availabilityZones", "cidr", "nat", "bastion"];
        assert_eq!(closest("availabilityZone", fields), Some("availabilityZones"));
        assert_eq!(closest("cdir", fields), Some("cidr"));
        assert_eq!(closest("completely-different", fields), None);
        assert_eq!(hint("zzz", &["a", "b"]), "expected one of `a`, `b`");
    }
}
