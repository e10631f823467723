//! A role's trust policy, from the JSON IAM returns to the statements the workload-identity
//! check judges.

use eksharden_net::posture::{TrustCondition, TrustStatement};
use serde_json::Value;

/// The statements of a trust policy document (already URL-decoded); `None` when it is not a
/// policy document.
pub fn trust_statements(document: &str) -> Option<Vec<TrustStatement>> {
    let policy: Value = serde_json::from_str(document).ok()?;
    let statements = match policy.get("Statement")? {
        Value::Array(items) => items.clone(),
        single @ Value::Object(_) => vec![single.clone()],
        _ => return None,
    };
    Some(statements.iter().map(statement).collect())
}

fn statement(s: &Value) -> TrustStatement {
    let principals = match s.get("Principal") {
        Some(Value::String(star)) => vec![("AWS".to_owned(), star.clone())],
        Some(Value::Object(kinds)) => kinds
            .iter()
            .flat_map(|(kind, values)| strings(values).into_iter().map(move |v| (kind.clone(), v)))
            .collect(),
        _ => Vec::new(),
    };
    let conditions = s
        .get("Condition")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .flat_map(|(operator, keys)| {
            keys.as_object().into_iter().flatten().map(move |(key, values)| TrustCondition {
                operator: operator.clone(),
                key: key.clone(),
                values: strings(values),
            })
        })
        .collect();
    TrustStatement {
        allow: s.get("Effect").and_then(Value::as_str) == Some("Allow"),
        principals,
        actions: s.get("Action").map(strings).unwrap_or_default(),
        conditions,
    }
}

/// A string or a list of strings, as policies write either.
fn strings(value: &Value) -> Vec<String> {
    match value {
        Value::String(one) => vec![one.clone()],
        Value::Array(items) => items.iter().filter_map(Value::as_str).map(str::to_owned).collect(),
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statements_keep_principals_actions_and_conditions_in_either_form() {
        let document = r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow",
            "Principal":{"Service":["pods.eks.amazonaws.com"],"Federated":"arn:aws:iam::1:oidc-provider/x"},
            "Action":"sts:AssumeRole",
            "Condition":{"StringEquals":{"aws:RequestTag/kubernetes-namespace":"apps","k":["a","b"]}}}}"#;
        let [s] = trust_statements(document).unwrap().try_into().unwrap();
        assert!(s.allow);
        assert_eq!(s.actions, ["sts:AssumeRole"]);
        assert!(s.principals.contains(&("Service".into(), "pods.eks.amazonaws.com".into())));
        assert!(s.principals.contains(&("Federated".into(), "arn:aws:iam::1:oidc-provider/x".into())));
        assert_eq!(s.pinned("aws:RequestTag/kubernetes-namespace"), Some("apps"));
        assert_eq!(s.pinned("k"), None, "two values pin nothing");
        assert!(trust_statements("not json").is_none());
        let star = trust_statements(r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"*"}]}"#).unwrap();
        assert!(star[0].admits("Service", "pods.eks.amazonaws.com", &["sts:AssumeRole"]));
    }
}
