//! Planet input rules: parse, don't validate. A `NewPlanet` or `PlanetChanges`
//! exists only if every rule of the contract passed.

use chrono::NaiveDateTime;
use serde_json::{Map, Value};

use super::model::{NewPlanet, PlanetChanges};
use crate::errors::FieldErrors;
use crate::validation::{Presence, Validator};

pub const NAME_MAX: usize = 100;
pub const DESCRIPTION_MAX: usize = 2000;
pub const DIAMETER_MIN: i64 = 1;
pub const DIAMETER_MAX: i64 = 1_000_000_000;

/// The fields as sent, checked.
struct Fields {
    name: Presence<String>,
    description: Presence<String>,
    diameter_km: Presence<i64>,
    is_habitable: Presence<bool>,
    errors: FieldErrors,
}

fn check(input: &Map<String, Value>, name_required: bool) -> Fields {
    let mut v = Validator::new(input);
    let name = if name_required || input.contains_key("name") {
        v.required_string("name", true, 1, NAME_MAX)
            .map_or(Presence::Absent, Presence::Value)
    } else {
        Presence::Absent
    };
    let description = v.string("description", true, 0, DESCRIPTION_MAX);
    let diameter_km = v.integer("diameter_km", DIAMETER_MIN, DIAMETER_MAX);
    let is_habitable = match v.boolean("is_habitable") {
        Presence::Null => {
            v.errors.add(
                "is_habitable",
                "The is habitable field must be true or false.",
            );
            Presence::Absent
        }
        other => other,
    };
    Fields {
        name,
        description,
        diameter_km,
        is_habitable,
        errors: v.errors,
    }
}

/// `POST /planets`.
pub fn new_planet(
    input: &Map<String, Value>,
    created_by: i64,
    now: NaiveDateTime,
) -> Result<NewPlanet, FieldErrors> {
    let f = check(input, true);
    match f.name {
        Presence::Value(name) if f.errors.is_empty() => Ok(NewPlanet {
            name,
            description: f.description.value(),
            diameter_km: f.diameter_km.value(),
            is_habitable: f.is_habitable.value().unwrap_or(false),
            created_by: Some(created_by),
            created_at: now,
            updated_at: now,
        }),
        _ => Err(f.errors),
    }
}

/// `PUT`/`PATCH /planets/{id}`: fields not sent stay as they were.
pub fn changes(
    input: &Map<String, Value>,
    now: NaiveDateTime,
) -> Result<PlanetChanges, FieldErrors> {
    let f = check(input, false);
    if !f.errors.is_empty() {
        return Err(f.errors);
    }
    Ok(PlanetChanges {
        name: f.name.value(),
        description: nullable(f.description),
        diameter_km: nullable(f.diameter_km),
        is_habitable: f.is_habitable.value(),
        updated_at: Some(now),
    })
}

/// `None`: leave as is; `Some(None)`: set NULL; `Some(Some(v))`: set `v`.
fn nullable<T>(p: Presence<T>) -> Option<Option<T>> {
    match p {
        Presence::Absent => None,
        Presence::Null => Some(None),
        Presence::Value(v) => Some(Some(v)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn errors_of(v: Value) -> Value {
        let input = v.as_object().cloned().unwrap_or_default();
        let errors = new_planet(&input, 1, crate::db::now()).expect_err("invalid");
        serde_json::to_value(errors).expect("serializes")
    }

    #[test]
    fn every_rule_has_laravels_message() {
        assert_eq!(
            errors_of(json!({}))["name"][0],
            "The name field is required."
        );
        assert_eq!(
            errors_of(json!({"name": "   "}))["name"][0],
            "The name field is required."
        );
        assert_eq!(
            errors_of(json!({"name": 5}))["name"][0],
            "The name field must be a string."
        );
        assert_eq!(
            errors_of(json!({"name": "x".repeat(101)}))["name"][0],
            "The name field must not be greater than 100 characters."
        );
        assert_eq!(
            errors_of(json!({"name": "a", "description": "x".repeat(2001)}))["description"][0],
            "The description field must not be greater than 2000 characters."
        );
        assert_eq!(
            errors_of(json!({"name": "a", "diameter_km": "big"}))["diameter_km"][0],
            "The diameter km field must be an integer."
        );
        assert_eq!(
            errors_of(json!({"name": "a", "diameter_km": 0}))["diameter_km"][0],
            "The diameter km field must be between 1 and 1000000000."
        );
        assert_eq!(
            errors_of(json!({"name": "a", "is_habitable": "maybe"}))["is_habitable"][0],
            "The is habitable field must be true or false."
        );
    }

    #[test]
    fn valid_input_is_trimmed_and_defaulted() {
        let input = json!({"name": "  Vulcan ", "diameter_km": 12000, "unknown": 1});
        let p = new_planet(input.as_object().expect("object"), 3, crate::db::now()).expect("valid");
        assert_eq!(p.name, "Vulcan");
        assert_eq!(p.diameter_km, Some(12000));
        assert!(!p.is_habitable);
        assert_eq!(p.description, None);
        let c = changes(
            json!({"description": null}).as_object().expect("object"),
            crate::db::now(),
        )
        .expect("valid");
        assert_eq!(c.description, Some(None));
        assert_eq!(c.name, None);
    }
}
