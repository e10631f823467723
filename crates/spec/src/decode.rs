//! Typed decoding of a YAML document: a serde `Deserializer` over `serde_yaml::Value` whose
//! error type records what serde says went wrong (an unknown field with the fields it knows,
//! a missing field, a value of the wrong type) as data, so the loader words its findings from
//! those facts, never from the text of another library's messages.

use std::fmt;

use serde::de::value::{MapAccessDeserializer, MapDeserializer, SeqDeserializer};
use serde::de::{self, DeserializeOwned, IntoDeserializer, Unexpected, Visitor};
use serde_yaml::Value;

/// What went wrong while decoding, as serde reports it.
#[derive(Debug, Clone, PartialEq)]
pub enum DecodeError {
    /// A field the type does not have, and the fields it has.
    UnknownField {
        /// The field given.
        field: String,
        /// The fields the type knows.
        expected: &'static [&'static str],
    },
    /// A value that is none of the enum's, and its values.
    UnknownVariant {
        /// The value given.
        variant: String,
        /// The values the type knows.
        expected: &'static [&'static str],
    },
    /// A field the type requires.
    MissingField(&'static str),
    /// A value of the wrong type.
    InvalidType {
        /// What was found, in serde's words (`floating point \`1.3\``).
        found: String,
        /// Whether what was found is a floating-point number.
        float: bool,
        /// What the type expects, in serde's words (`a string`, `u16`).
        expected: String,
    },
    /// Anything else: a value the type's own parser refused, with its message.
    Other(String),
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::UnknownField { field, .. } => write!(f, "unknown field `{field}`"),
            Self::UnknownVariant { variant, .. } => write!(f, "unknown value `{variant}`"),
            Self::MissingField(field) => write!(f, "missing field `{field}`"),
            Self::InvalidType { found, expected, .. } => write!(f, "invalid type: {found}, expected {expected}"),
            Self::Other(message) => f.write_str(message),
        }
    }
}

impl std::error::Error for DecodeError {}

impl de::Error for DecodeError {
    fn custom<T: fmt::Display>(message: T) -> Self {
        Self::Other(message.to_string())
    }

    fn unknown_field(field: &str, expected: &'static [&'static str]) -> Self {
        Self::UnknownField { field: field.to_owned(), expected }
    }

    fn unknown_variant(variant: &str, expected: &'static [&'static str]) -> Self {
        Self::UnknownVariant { variant: variant.to_owned(), expected }
    }

    fn missing_field(field: &'static str) -> Self {
        Self::MissingField(field)
    }

    fn invalid_type(found: Unexpected, expected: &dyn de::Expected) -> Self {
        let float = matches!(found, Unexpected::Float(_));
        Self::InvalidType { found: found.to_string(), float, expected: expected.to_string() }
    }
}

/// Decodes `document` as a `T`, with the path to what failed.
pub fn decode<T: DeserializeOwned>(document: &Value) -> Result<T, serde_path_to_error::Error<DecodeError>> {
    serde_path_to_error::deserialize(Node(document))
}

/// One node of the document, as a deserializer.
#[derive(Clone, Copy)]
struct Node<'a>(&'a Value);

impl<'de> IntoDeserializer<'de, DecodeError> for Node<'de> {
    type Deserializer = Self;

    fn into_deserializer(self) -> Self {
        self
    }
}

impl<'de> de::Deserializer<'de> for Node<'de> {
    type Error = DecodeError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DecodeError> {
        match self.0 {
            Value::Null => visitor.visit_unit(),
            Value::Bool(b) => visitor.visit_bool(*b),
            Value::Number(n) => match (n.as_u64(), n.as_i64(), n.as_f64()) {
                (Some(u), _, _) => visitor.visit_u64(u),
                (None, Some(i), _) => visitor.visit_i64(i),
                (None, None, Some(f)) => visitor.visit_f64(f),
                _ => Err(de::Error::custom(format!("the number {n} cannot be read"))),
            },
            Value::String(s) => visitor.visit_borrowed_str(s),
            Value::Sequence(items) => {
                let mut seq = SeqDeserializer::new(items.iter().map(Node));
                let value = visitor.visit_seq(&mut seq)?;
                seq.end()?;
                Ok(value)
            }
            Value::Mapping(entries) => {
                let mut map = MapDeserializer::new(entries.iter().map(|(k, v)| (Node(k), Node(v))));
                let value = visitor.visit_map(&mut map)?;
                map.end()?;
                Ok(value)
            }
            Value::Tagged(tagged) => {
                Err(de::Error::custom(format!("YAML tags like `{}` are not used in a spec", tagged.tag)))
            }
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DecodeError> {
        match self.0 {
            Value::Null => visitor.visit_none(),
            _ => visitor.visit_some(self),
        }
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DecodeError> {
        match self.0 {
            Value::String(s) => visitor.visit_enum(s.as_str().into_deserializer()),
            Value::Mapping(entries) if entries.len() == 1 => {
                let map = MapDeserializer::new(entries.iter().map(|(k, v)| (Node(k), Node(v))));
                visitor.visit_enum(MapAccessDeserializer::new(map))
            }
            _ => self.deserialize_any(visitor),
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, DecodeError> {
        visitor.visit_newtype_struct(self)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf unit
        unit_struct seq tuple tuple_struct map struct identifier ignored_any
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use serde::Deserialize;

    use super::*;

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(deny_unknown_fields, rename_all = "camelCase")]
    struct Example {
        name: String,
        port: u16,
        #[serde(default)]
        labels: BTreeMap<String, String>,
        kind: Option<Kind>,
    }

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(rename_all = "camelCase")]
    enum Kind {
        Managed,
        SelfManaged,
    }

    fn decoded(text: &str) -> Result<Example, (String, DecodeError)> {
        let value: Value = serde_yaml::from_str(text).unwrap();
        decode(&value).map_err(|e| (e.path().to_string(), e.into_inner()))
    }

    #[test]
    fn decodes_what_serde_yaml_decodes() {
        let text = "name: a\nport: 443\nlabels: {tier: web}\nkind: selfManaged\n";
        let ours = decoded(text).unwrap();
        assert_eq!(ours, serde_yaml::from_str::<Example>(text).unwrap());
    }

    #[test]
    fn says_what_went_wrong_as_data() {
        let (path, error) = decoded("name: a\nport: 443\nprot: 80\n").unwrap_err();
        assert_eq!(path, "prot");
        assert!(
            matches!(error, DecodeError::UnknownField { ref field, expected } if field == "prot" && expected.contains(&"port"))
        );
        let (_, error) = decoded("name: a\n").unwrap_err();
        assert_eq!(error, DecodeError::MissingField("port"));
        let (path, error) = decoded("name: 1.30\nport: 443\n").unwrap_err();
        assert_eq!(path, "name");
        assert!(matches!(error, DecodeError::InvalidType { float: true, .. }), "{error:?}");
        let (path, error) = decoded("name: a\nport: 443\nkind: fargate\n").unwrap_err();
        assert_eq!(path, "kind");
        assert!(matches!(error, DecodeError::UnknownVariant { ref variant, .. } if variant == "fargate"));
        let (_, error) = decoded("name: a\nport: 70000\n").unwrap_err();
        assert!(matches!(error, DecodeError::Other(_) | DecodeError::InvalidType { .. }), "{error:?}");
    }
}
