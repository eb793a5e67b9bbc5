//! Every diesel query on `planets`.

use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error};

use super::model::{NewPlanet, Planet, PlanetChanges};
use crate::db::schema::{lower, planets};
use crate::db::DbConnection;
use crate::with_backend;

/// What a write can run into besides a database error.
pub enum WriteError {
    NameTaken,
    NotFound,
    Db(Error),
}

impl From<Error> for WriteError {
    fn from(e: Error) -> Self {
        match e {
            // The case-insensitive unique index: a concurrent create won the race.
            Error::DatabaseError(DatabaseErrorKind::UniqueViolation, _) => WriteError::NameTaken,
            Error::NotFound => WriteError::NotFound,
            other => WriteError::Db(other),
        }
    }
}

/// One page, ordered by id, and the total count.
pub fn page(conn: &mut DbConnection, page: i64, per_page: i64) -> QueryResult<(Vec<Planet>, i64)> {
    let total = planets::table.count().get_result(conn)?;
    let rows = planets::table
        .order(planets::id.asc())
        .limit(per_page)
        .offset((page - 1).saturating_mul(per_page))
        .select(Planet::as_select())
        .load(conn)?;
    Ok((rows, total))
}

pub fn find(conn: &mut DbConnection, id: i64) -> QueryResult<Option<Planet>> {
    planets::table
        .find(id)
        .select(Planet::as_select())
        .first(conn)
        .optional()
}

/// True if another planet (not `except`) has this name, ignoring case.
pub fn name_taken(conn: &mut DbConnection, name: &str, except: Option<i64>) -> QueryResult<bool> {
    let mut query = planets::table
        .filter(lower(planets::name).eq(name.to_lowercase()))
        .select(planets::id)
        .into_boxed();
    if let Some(id) = except {
        query = query.filter(planets::id.ne(id));
    }
    Ok(query.first::<i64>(conn).optional()?.is_some())
}

/// Inserts a planet whose name is free; the unique index settles races.
pub fn insert(conn: &mut DbConnection, planet: &NewPlanet) -> Result<Planet, WriteError> {
    if name_taken(conn, &planet.name, None)? {
        return Err(WriteError::NameTaken);
    }
    let row = with_backend!(conn, |c| diesel::insert_into(planets::table)
        .values(planet)
        .returning(Planet::as_returning())
        .get_result(c))?;
    Ok(row)
}

/// Applies a partial update.
pub fn update(
    conn: &mut DbConnection,
    id: i64,
    changes: &PlanetChanges,
) -> Result<Planet, WriteError> {
    if let Some(name) = &changes.name {
        if name_taken(conn, name, Some(id))? {
            return Err(WriteError::NameTaken);
        }
    }
    let row = with_backend!(conn, |c| diesel::update(planets::table.find(id))
        .set(changes)
        .returning(Planet::as_returning())
        .get_result(c))?;
    Ok(row)
}

pub fn delete(conn: &mut DbConnection, id: i64) -> QueryResult<usize> {
    diesel::delete(planets::table.find(id)).execute(conn)
}

/// The seed: inserts each planet whose name is not there yet; returns how many.
pub fn insert_missing(
    conn: &mut DbConnection,
    planets_to_seed: &[NewPlanet],
) -> QueryResult<usize> {
    let mut added = 0;
    for planet in planets_to_seed {
        if !name_taken(conn, &planet.name, None)? {
            with_backend!(conn, |c| diesel::insert_into(planets::table)
                .values(planet)
                .execute(c))?;
            added += 1;
        }
    }
    Ok(added)
}
