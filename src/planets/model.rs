//! Planets: the row, the rows to insert or change, and the JSON shape.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

use crate::db::schema::planets;

#[derive(Queryable, Selectable, Identifiable, Clone, Debug)]
#[diesel(table_name = planets)]
pub struct Planet {
    pub id: i64,
    pub name: String,
    pub description: Option<String>,
    pub diameter_km: Option<i64>,
    pub is_habitable: bool,
    pub created_by: Option<i64>,
    pub created_at: Option<NaiveDateTime>,
    pub updated_at: Option<NaiveDateTime>,
}

#[derive(Insertable, Debug, Clone)]
#[diesel(table_name = planets)]
pub struct NewPlanet {
    pub name: String,
    pub description: Option<String>,
    pub diameter_km: Option<i64>,
    pub is_habitable: bool,
    pub created_by: Option<i64>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// A partial update: `None` leaves a column as it is; `Some(None)` sets NULL.
#[derive(AsChangeset, Debug, Clone, Default)]
#[diesel(table_name = planets)]
pub struct PlanetChanges {
    pub name: Option<String>,
    pub description: Option<Option<String>>,
    pub diameter_km: Option<Option<i64>>,
    pub is_habitable: Option<bool>,
    pub updated_at: Option<NaiveDateTime>,
}

/// A planet as clients see it.
#[derive(Serialize, Debug, utoipa::ToSchema)]
pub struct PlanetJson {
    pub id: i64,
    pub name: String,
    pub description: Option<String>,
    pub diameter_km: Option<i64>,
    pub is_habitable: bool,
    /// The id of the user who created it (null once that user is gone).
    pub created_by: Option<i64>,
    #[serde(serialize_with = "crate::timestamps::optional")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub created_at: Option<NaiveDateTime>,
    #[serde(serialize_with = "crate::timestamps::optional")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub updated_at: Option<NaiveDateTime>,
}

impl From<Planet> for PlanetJson {
    fn from(p: Planet) -> Self {
        Self {
            id: p.id,
            name: p.name,
            description: p.description,
            diameter_km: p.diameter_km,
            is_habitable: p.is_habitable,
            created_by: p.created_by,
            created_at: p.created_at,
            updated_at: p.updated_at,
        }
    }
}
