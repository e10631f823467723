//! The eksharden cluster spec: types with hardened defaults, validation with located
//! messages, the eksctl import, and the JSON Schema.
//!
//! Pure: no I/O beyond what the caller hands in as text. [`load`] is the entry point.

pub mod budget;
mod decode;
pub mod diagnostic;
pub mod eksctl;
pub mod existing;
pub mod layout;
mod load;
pub mod model;
pub mod path;
pub mod source;
pub mod suggest;
mod valid;
mod validate;
pub mod values;
pub mod versions;

pub use diagnostic::{Diagnostic, Severity};
pub use load::{load, load_as_of, Dialect, LoadedSpec, Rejected};
pub use model::ClusterSpec;
pub use source::SourceFile;
pub use valid::ValidSpec;

/// The JSON Schema of the spec, for editors.
pub fn json_schema() -> serde_json::Value {
    serde_json::to_value(schemars::schema_for!(model::ClusterSpec)).expect("a schema is plain JSON")
}
