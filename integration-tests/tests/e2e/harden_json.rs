//! What `harden --format json` prints, read as data: the plans, then after `--apply` each
//! step's result and the verification report, one JSON document each.

use integration_tests::cli::Run;
use serde_json::Value;

/// The documents of one `harden --format json` run.
pub struct HardenJson {
    /// One plan per step.
    pub plans: Vec<Value>,
    /// One result per step (after `--apply`).
    pub results: Vec<Value>,
    /// The verification report (after `--apply`).
    pub report: Option<Value>,
}

impl HardenJson {
    /// Reads the run's standard output; panics, showing it, if it is not those documents.
    pub fn of(run: &Run) -> Self {
        let documents: Vec<Value> = serde_json::Deserializer::from_str(&run.stdout)
            .into_iter()
            .collect::<Result<_, _>>()
            .unwrap_or_else(|e| panic!("harden --format json printed more than JSON ({e}):\n{}", run.stdout));
        let list = |v: Option<&Value>| v.and_then(Value::as_array).cloned().unwrap_or_default();
        let json =
            Self { plans: list(documents.first()), results: list(documents.get(1)), report: documents.get(2).cloned() };
        assert!(!json.plans.is_empty(), "no plans:\n{}\n{}", run.stdout, run.stderr);
        json
    }

    /// `step`'s planned state (`compliant`, `changes`, `cannotInspect`) and its detail.
    pub fn planned(&self, step: &str) -> (String, Value) {
        let plan = self.plans.iter().find(|p| p["step"] == step).unwrap_or_else(|| panic!("no plan of {step}"));
        (plan["planned"]["state"].as_str().unwrap().to_owned(), plan["planned"]["detail"].clone())
    }

    /// `step`'s outcome (`applied`, `unchanged`, `notApplied`, `failed`, `cannotInspect`) and
    /// its detail.
    pub fn outcome(&self, step: &str) -> (String, Value) {
        let result =
            self.results.iter().find(|r| r["plan"]["step"] == step).unwrap_or_else(|| panic!("no result of {step}"));
        (result["outcome"]["outcome"].as_str().unwrap().to_owned(), result["outcome"]["detail"].clone())
    }

    /// Whether `step` was applied and held.
    pub fn held(&self, step: &str) -> bool {
        self.outcome(step).0 == "applied"
    }
}
