//! A small builder for CloudFormation JSON templates and their intrinsic functions.

use serde_json::{json, Map, Value};

/// A template under construction.
#[derive(Debug)]
pub struct Template {
    description: String,
    ignored_lint_checks: Vec<String>,
    parameters: Map<String, Value>,
    resources: Map<String, Value>,
    outputs: Map<String, Value>,
}

impl Template {
    /// An empty template with a description.
    pub fn new(description: impl Into<String>) -> Self {
        Self {
            description: description.into(),
            ignored_lint_checks: Vec::new(),
            parameters: Map::new(),
            resources: Map::new(),
            outputs: Map::new(),
        }
    }

    /// Tells cfn-lint to skip a check for this template, for a choice made on purpose.
    pub fn ignore_lint_check(&mut self, check: &str) -> &mut Self {
        self.ignored_lint_checks.push(check.into());
        self
    }

    /// Declares a parameter of CloudFormation `kind` (`String`, `AWS::EC2::VPC::Id`, …).
    pub fn parameter(&mut self, name: &str, kind: &str, description: &str) -> &mut Self {
        self.parameters.insert(name.into(), json!({ "Type": kind, "Description": description }));
        self
    }

    /// Declares a parameter with a default value.
    pub fn parameter_with_default(&mut self, name: &str, kind: &str, description: &str, default: &str) -> &mut Self {
        self.parameters.insert(name.into(), json!({ "Type": kind, "Description": description, "Default": default }));
        self
    }

    /// Adds a resource.
    pub fn resource(&mut self, logical_id: &str, kind: &str, properties: Value) -> &mut Self {
        self.resources.insert(logical_id.into(), json!({ "Type": kind, "Properties": properties }));
        self
    }

    /// Adds a resource that must be created after `depends_on`.
    pub fn resource_after(&mut self, logical_id: &str, kind: &str, properties: Value, depends_on: &str) -> &mut Self {
        self.resources
            .insert(logical_id.into(), json!({ "Type": kind, "DependsOn": depends_on, "Properties": properties }));
        self
    }

    /// Adds an output.
    pub fn output(&mut self, name: &str, value: Value, description: &str) -> &mut Self {
        self.outputs.insert(name.into(), json!({ "Description": description, "Value": value }));
        self
    }

    /// The finished template.
    pub fn build(self) -> Value {
        let mut template = Map::new();
        template.insert("AWSTemplateFormatVersion".into(), "2010-09-09".into());
        template.insert("Description".into(), self.description.into());
        if !self.ignored_lint_checks.is_empty() {
            template.insert(
                "Metadata".into(),
                json!({ "cfn-lint": { "config": { "ignore_checks": self.ignored_lint_checks } } }),
            );
        }
        if !self.parameters.is_empty() {
            template.insert("Parameters".into(), Value::Object(self.parameters));
        }
        template.insert("Resources".into(), Value::Object(self.resources));
        if !self.outputs.is_empty() {
            template.insert("Outputs".into(), Value::Object(self.outputs));
        }
        Value::Object(template)
    }
}

/// `{"Ref": name}`.
pub fn reference(name: &str) -> Value {
    json!({ "Ref": name })
}

/// `{"Fn::GetAtt": [resource, attribute]}`.
pub fn get_att(resource: &str, attribute: &str) -> Value {
    json!({ "Fn::GetAtt": [resource, attribute] })
}

/// `{"Fn::Sub": text}`.
pub fn sub(text: &str) -> Value {
    json!({ "Fn::Sub": text })
}

/// `{"Fn::Join": [",", items]}`: a comma-separated list, for list outputs.
pub fn join_commas(items: Vec<Value>) -> Value {
    json!({ "Fn::Join": [",", items] })
}

/// A resource tag list: the given pairs, in order.
pub fn tag_list(tags: &[(String, String)]) -> Value {
    Value::Array(tags.iter().map(|(k, v)| json!({ "Key": k, "Value": v })).collect())
}

/// A resource tag map, for the types that take one (`AWS::EKS::Nodegroup`).
pub fn tag_map(tags: &[(String, String)]) -> Value {
    Value::Object(tags.iter().map(|(k, v)| (k.clone(), Value::String(v.clone()))).collect())
}

/// `general-purpose` as `GeneralPurpose`, for logical ids.
pub fn pascal_case(name: &str) -> String {
    name.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|part| !part.is_empty())
        .map(|part| {
            let mut chars = part.chars();
            chars.next().map(|c| c.to_ascii_uppercase()).into_iter().chain(chars).collect::<String>()
        })
        .collect()
}
