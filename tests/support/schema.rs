//! A validator for the subset of JSON Schema (draft 2020-12) the repository's schemas use (docs/doctor.schema.json,
//! docs/check-libs.schema.json): the reports' contracts, checked on every report a test produces. A schema
//! using a keyword it does not implement fails the test instead of being half-checked.
// Each test file uses the part it needs.
#![allow(dead_code)]

use serde_json::Value;
use std::path::Path;

/// The schema at `relative` (from the repository root).
pub fn load(relative: &str) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(relative);
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

/// The keywords [`validate`] implements, and the annotations it may ignore. A schema using any other keyword
/// fails the test rather than being half-checked.
const KEYWORDS: &[&str] = &["type", "required", "properties", "enum", "items", "const", "minimum"];
const ANNOTATIONS: &[&str] = &["$schema", "$id", "title", "description"];

/// Validates `value` against `schema` (JSON Schema's `type`, `required`, `properties`, `enum`, `items`,
/// `const`, `minimum`), returning each violation with its JSON path.
pub fn validate(schema: &Value, value: &Value, path: &str) -> Vec<String> {
    check(schema, value, path, false)
}

/// Panics, naming every violation, unless `report` follows the schema at `relative` ([`validate`]'s rules):
/// what each test calls on every JSON report it reads.
pub fn assert_follows(relative: &str, report: &Value) {
    let errors = validate(&load(relative), report, "$");
    assert!(errors.is_empty(), "the report does not follow {relative}: {errors:#?}\n{report:#}");
}

/// [`validate`], also refusing an object field its schema's `properties` does not list: for schemas that
/// document every field (docs/explain.schema.json), where an unlisted one is an undocumented addition.
pub fn validate_closed(schema: &Value, value: &Value, path: &str) -> Vec<String> {
    check(schema, value, path, true)
}

fn check(schema: &Value, value: &Value, path: &str, closed: bool) -> Vec<String> {
    let mut errors = Vec::new();
    let Some(keywords) = schema.as_object() else {
        return vec![format!("{path}: the schema is not an object")];
    };
    for key in keywords.keys() {
        assert!(
            KEYWORDS.contains(&key.as_str()) || ANNOTATIONS.contains(&key.as_str()),
            "the schema uses `{key}` at {path}, which the test's validator does not implement"
        );
    }
    if let Some(expected) = schema.get("type") {
        let types: Vec<&str> = match expected {
            Value::String(t) => vec![t.as_str()],
            Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
            _ => vec![],
        };
        let actual = match value {
            Value::Null => "null",
            Value::Bool(_) => "boolean",
            Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
            Value::Number(_) => "number",
            Value::String(_) => "string",
            Value::Array(_) => "array",
            Value::Object(_) => "object",
        };
        let ok = types.iter().any(|&t| t == actual || (t == "number" && actual == "integer"));
        if !ok {
            errors.push(format!("{path}: {actual}, expected {types:?}"));
            return errors;
        }
    }
    if let Some(c) = schema.get("const")
        && c != value
    {
        errors.push(format!("{path}: {value}, expected {c}"));
    }
    if let (Some(minimum), Some(n)) = (schema.get("minimum").and_then(Value::as_f64), value.as_f64())
        && n < minimum
    {
        errors.push(format!("{path}: {value}, expected at least {minimum}"));
    }
    if let Some(Value::Array(options)) = schema.get("enum")
        && !options.contains(value)
    {
        errors.push(format!("{path}: {value} is not one of {options:?}"));
    }
    if let (Some(Value::Array(required)), Some(object)) = (schema.get("required"), value.as_object()) {
        for name in required.iter().filter_map(Value::as_str) {
            if !object.contains_key(name) {
                errors.push(format!("{path}: `{name}` is missing"));
            }
        }
    }
    if let (Some(Value::Object(properties)), Some(object)) = (schema.get("properties"), value.as_object()) {
        for (name, sub) in properties {
            if let Some(v) = object.get(name) {
                errors.extend(check(sub, v, &format!("{path}.{name}"), closed));
            }
        }
        if closed {
            for name in object.keys().filter(|k| !properties.contains_key(*k)) {
                errors.push(format!("{path}.{name}: not in the schema"));
            }
        }
    }
    if let (Some(items), Some(array)) = (schema.get("items"), value.as_array()) {
        for (i, v) in array.iter().enumerate() {
            errors.extend(check(items, v, &format!("{path}[{i}]"), closed));
        }
    }
    errors
}
