//! Laravel-style validation of JSON input: the rules the resources use, with
//! Laravel's wording (`The name field is required.`). Strings are trimmed and an
//! empty string counts as null, as Laravel's global middleware does (passwords
//! are not trimmed). A rule that fails records its message and yields `None`.

use serde_json::{Map, Value};

use crate::errors::FieldErrors;

/// Laravel's attribute name: `diameter_km` reads "diameter km".
pub fn attribute(field: &str) -> String {
    field.replace('_', " ")
}

/// A field as sent: absent, null (or an empty string), or a value.
#[derive(Debug, Clone, PartialEq)]
pub enum Presence<T> {
    Absent,
    Null,
    Value(T),
}

impl<T> Presence<T> {
    pub fn value(self) -> Option<T> {
        match self {
            Presence::Value(v) => Some(v),
            _ => None,
        }
    }
}

/// Validates one input object, collecting errors.
pub struct Validator<'a> {
    input: &'a Map<String, Value>,
    pub errors: FieldErrors,
}

impl<'a> Validator<'a> {
    pub fn new(input: &'a Map<String, Value>) -> Self {
        Self {
            input,
            errors: FieldErrors::new(),
        }
    }

    fn fail(&mut self, field: &str, message: String) {
        self.errors.add(field, message);
    }

    pub fn required_message(field: &str) -> String {
        format!("The {} field is required.", attribute(field))
    }

    /// A string of `min..=max` characters (after trimming, when `trim`).
    pub fn string(&mut self, field: &str, trim: bool, min: usize, max: usize) -> Presence<String> {
        let value = match self.input.get(field) {
            None => return Presence::Absent,
            Some(Value::Null) => return Presence::Null,
            Some(Value::String(s)) => {
                if trim {
                    s.trim().to_owned()
                } else {
                    s.clone()
                }
            }
            Some(_) => {
                self.fail(
                    field,
                    format!("The {} field must be a string.", attribute(field)),
                );
                return Presence::Absent;
            }
        };
        if value.is_empty() {
            return Presence::Null;
        }
        if value.contains('\0') {
            self.fail(
                field,
                format!(
                    "The {} field must not contain NUL characters.",
                    attribute(field)
                ),
            );
            return Presence::Absent;
        }
        let chars = value.chars().count();
        if chars > max {
            self.fail(
                field,
                format!(
                    "The {} field must not be greater than {max} characters.",
                    attribute(field)
                ),
            );
            return Presence::Absent;
        }
        if chars < min {
            self.fail(
                field,
                format!(
                    "The {} field must be at least {min} characters.",
                    attribute(field)
                ),
            );
            return Presence::Absent;
        }
        Presence::Value(value)
    }

    /// A required string: absent or null is "The x field is required.".
    pub fn required_string(
        &mut self,
        field: &str,
        trim: bool,
        min: usize,
        max: usize,
    ) -> Option<String> {
        let had_error = self.errors.has(field);
        match self.string(field, trim, min, max) {
            Presence::Value(v) => Some(v),
            Presence::Absent | Presence::Null => {
                if !had_error && !self.errors.has(field) {
                    self.fail(field, Self::required_message(field));
                }
                None
            }
        }
    }

    /// An integer in `min..=max`; numeric strings and integral floats count, as
    /// PHP's `FILTER_VALIDATE_INT` sees them.
    pub fn integer(&mut self, field: &str, min: i64, max: i64) -> Presence<i64> {
        let number = match self.input.get(field) {
            None => return Presence::Absent,
            Some(Value::Null) => return Presence::Null,
            Some(Value::String(s)) if s.trim().is_empty() => return Presence::Null,
            Some(Value::Number(n)) => n.as_i64().or_else(|| {
                n.as_f64()
                    .filter(|f| f.fract() == 0.0 && f.abs() < 9e15)
                    .map(|f| f as i64)
            }),
            Some(Value::String(s)) => s.trim().parse::<i64>().ok(),
            Some(_) => None,
        };
        match number {
            None => {
                self.fail(
                    field,
                    format!("The {} field must be an integer.", attribute(field)),
                );
                Presence::Absent
            }
            Some(n) if n < min || n > max => {
                self.fail(
                    field,
                    format!(
                        "The {} field must be between {min} and {max}.",
                        attribute(field)
                    ),
                );
                Presence::Absent
            }
            Some(n) => Presence::Value(n),
        }
    }

    /// A boolean: true, false, 1, 0, "1", "0" (and "true"/"false"), as Laravel accepts.
    pub fn boolean(&mut self, field: &str) -> Presence<bool> {
        let value = match self.input.get(field) {
            None => return Presence::Absent,
            Some(Value::Null) => return Presence::Null,
            Some(Value::Bool(b)) => Some(*b),
            Some(Value::Number(n)) => match n.as_i64() {
                Some(0) => Some(false),
                Some(1) => Some(true),
                _ => None,
            },
            Some(Value::String(s)) => match s.trim() {
                "0" | "false" => Some(false),
                "1" | "true" => Some(true),
                _ => None,
            },
            Some(_) => None,
        };
        match value {
            Some(b) => Presence::Value(b),
            None => {
                self.fail(
                    field,
                    format!("The {} field must be true or false.", attribute(field)),
                );
                Presence::Absent
            }
        }
    }

    /// A required e-mail address (trimmed, at most 255 characters).
    pub fn email(&mut self, field: &str) -> Option<String> {
        let email = self.required_string(field, true, 1, 255)?;
        if is_email(&email) {
            Some(email)
        } else {
            self.fail(
                field,
                format!(
                    "The {} field must be a valid email address.",
                    attribute(field)
                ),
            );
            None
        }
    }

    /// A list of strings, each passing `allowed`; reported as `field.N` like Laravel.
    pub fn string_list(
        &mut self,
        field: &str,
        allowed: impl Fn(&str) -> bool,
    ) -> Presence<Vec<String>> {
        let items = match self.input.get(field) {
            None => return Presence::Absent,
            Some(Value::Null) => return Presence::Null,
            Some(Value::Array(items)) => items.clone(),
            // An OAuth2 `scope`-style string: space-separated.
            Some(Value::String(s)) if s.trim().is_empty() => return Presence::Null,
            Some(_) => {
                self.fail(
                    field,
                    format!("The {} field must be an array.", attribute(field)),
                );
                return Presence::Absent;
            }
        };
        let mut out = Vec::with_capacity(items.len());
        let mut ok = true;
        for (i, item) in items.iter().enumerate() {
            match item.as_str() {
                Some(name) if allowed(name) => out.push(name.to_owned()),
                _ => {
                    ok = false;
                    self.fail(
                        &format!("{field}.{i}"),
                        format!("The selected {field}.{i} is invalid."),
                    );
                }
            }
        }
        if ok {
            Presence::Value(out)
        } else {
            Presence::Absent
        }
    }
}

/// A pragmatic version of Laravel's `email` rule: one `@`, a non-empty local
/// part, a dotted-or-not domain of letters, digits, dashes and dots.
pub fn is_email(s: &str) -> bool {
    let Some((local, domain)) = s.rsplit_once('@') else {
        return false;
    };
    !local.is_empty()
        && local.len() <= 64
        && !local.contains([
            '@', ' ', '\t', '\n', '\r', '\0', '<', '>', '(', ')', ',', ';', ':', '\\', '"', '[',
            ']',
        ])
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..")
        && !domain.is_empty()
        && domain.split('.').all(|label| {
            !label.is_empty()
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_alphanumeric() || c == '-')
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn input(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn strings_are_trimmed_and_limited() {
        let i = input(json!({"a": "  x  ", "b": "", "c": 5, "d": "abcdef", "e": "a\u{0}b"}));
        let mut v = Validator::new(&i);
        assert_eq!(v.string("a", true, 1, 5), Presence::Value("x".into()));
        assert_eq!(v.string("b", true, 1, 5), Presence::Null);
        assert_eq!(v.required_string("b", true, 1, 5), None);
        assert_eq!(v.string("c", true, 1, 5), Presence::Absent);
        assert_eq!(v.string("d", true, 1, 5), Presence::Absent);
        assert_eq!(v.string("e", true, 1, 5), Presence::Absent);
        assert_eq!(v.required_string("missing", true, 1, 5), None);
        let json = serde_json::to_value(&v.errors).expect("serializes");
        assert_eq!(json["b"][0], "The b field is required.");
        assert_eq!(json["c"][0], "The c field must be a string.");
        assert_eq!(
            json["d"][0],
            "The d field must not be greater than 5 characters."
        );
        assert_eq!(json["missing"][0], "The missing field is required.");
    }

    #[test]
    fn integers_and_booleans_follow_php() {
        let i = input(
            json!({"a": 5, "b": "7", "c": 1.0, "d": 1.5, "e": true, "f": 0, "g": "yes", "h": 11}),
        );
        let mut v = Validator::new(&i);
        assert_eq!(v.integer("a", 1, 10), Presence::Value(5));
        assert_eq!(v.integer("b", 1, 10), Presence::Value(7));
        assert_eq!(v.integer("c", 1, 10), Presence::Value(1));
        assert_eq!(v.integer("d", 1, 10), Presence::Absent);
        assert_eq!(v.integer("e", 1, 10), Presence::Absent);
        assert_eq!(v.integer("h", 1, 10), Presence::Absent);
        assert_eq!(v.boolean("e"), Presence::Value(true));
        assert_eq!(v.boolean("f"), Presence::Value(false));
        assert_eq!(v.boolean("g"), Presence::Absent);
        let json = serde_json::to_value(&v.errors).expect("serializes");
        assert_eq!(json["h"][0], "The h field must be between 1 and 10.");
        assert_eq!(json["g"][0], "The g field must be true or false.");
    }

    #[test]
    fn emails() {
        for ok in [
            "a@b.c",
            "test@example.com",
            "x.y+z@sub.example.org",
            "a@localhost",
        ] {
            assert!(is_email(ok), "{ok}");
        }
        for bad in [
            "", "a", "@b.c", "a@", "a b@c.d", "a@b..c", "a@-b.c", "a@b@c",
        ] {
            assert!(!is_email(bad), "{bad}");
        }
    }
}
