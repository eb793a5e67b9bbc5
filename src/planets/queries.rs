//! Every diesel query on `planets`.

use diesel::backend::Backend;
use diesel::expression::{is_aggregate, AppearsOnTable, Expression, ValidGrouping};
use diesel::prelude::*;
use diesel::query_builder::{AstPass, QueryFragment, QueryId};
use diesel::result::{DatabaseErrorKind, Error};
use diesel::sql_types::BigInt;

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

/// One page, ordered by id, and the total count: one statement (one round trip
/// on PostgreSQL), with the count as a scalar subquery on every row; a second
/// query only for a page past the end, which has no row to carry it.
pub fn page(conn: &mut DbConnection, page: i64, per_page: i64) -> QueryResult<(Vec<Planet>, i64)> {
    let rows: Vec<(Planet, i64)> = planets::table
        .order(planets::id.asc())
        .limit(per_page)
        .offset((page - 1).saturating_mul(per_page))
        .select((Planet::as_select(), PlanetCount))
        .load(conn)?;
    let total = match rows.first() {
        Some((_, total)) => *total,
        None => planets::table.count().get_result(conn)?,
    };
    Ok((rows.into_iter().map(|(planet, _)| planet).collect(), total))
}

/// `(SELECT COUNT(*) FROM planets)` as an expression. Unlike `dsl::sql`, it has
/// a static query id, so the page query stays a cached prepared statement.
#[derive(Debug, Clone, Copy, QueryId)]
struct PlanetCount;

impl Expression for PlanetCount {
    type SqlType = BigInt;
}

impl<DB: Backend> QueryFragment<DB> for PlanetCount {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, DB>) -> QueryResult<()> {
        out.push_sql("(SELECT COUNT(*) FROM planets)");
        Ok(())
    }
}

impl<QS> AppearsOnTable<QS> for PlanetCount {}

impl<QS> SelectableExpression<QS> for PlanetCount {}

impl<GB> ValidGrouping<GB> for PlanetCount {
    type IsAggregate = is_aggregate::Never;
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
