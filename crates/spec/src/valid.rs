//! A spec that passed validation: the only kind the planner takes.

use std::ops::Deref;

use crate::diagnostic::Finding;
use crate::model::ClusterSpec;
use crate::validate;

/// A [`ClusterSpec`] with no validation error. Made by [`load`](crate::load), or by
/// [`ValidSpec::check`] for a spec built in code; read through `Deref`.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidSpec(ClusterSpec);

impl ValidSpec {
    /// Validates `spec` (without the checks that depend on the day): the spec, or its errors.
    pub fn check(spec: ClusterSpec) -> Result<Self, Vec<Finding>> {
        let errors: Vec<Finding> = validate::check(&spec, None).into_iter().filter(Finding::is_error).collect();
        if errors.is_empty() {
            Ok(Self(spec))
        } else {
            Err(errors)
        }
    }

    /// A spec [`load`](crate::load) has validated, with the day's checks too.
    pub(crate) fn validated(spec: ClusterSpec) -> Self {
        Self(spec)
    }

    /// The spec, to change (and check again).
    pub fn into_inner(self) -> ClusterSpec {
        self.0
    }
}

impl Deref for ValidSpec {
    type Target = ClusterSpec;

    fn deref(&self) -> &ClusterSpec {
        &self.0
    }
}
