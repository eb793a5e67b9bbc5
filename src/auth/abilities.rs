//! Abilities (Sanctum's token scopes). `*` grants every ability.

use std::fmt;

/// The abilities a route can require.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ability {
    PlanetsCreate,
    PlanetsUpdate,
    PlanetsDelete,
    TokensManage,
    TokensIntrospect,
}

impl Ability {
    pub const ALL: [Ability; 5] = [
        Ability::PlanetsCreate,
        Ability::PlanetsUpdate,
        Ability::PlanetsDelete,
        Ability::TokensManage,
        Ability::TokensIntrospect,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Ability::PlanetsCreate => "planets:create",
            Ability::PlanetsUpdate => "planets:update",
            Ability::PlanetsDelete => "planets:delete",
            Ability::TokensManage => "tokens:manage",
            Ability::TokensIntrospect => "tokens:introspect",
        }
    }

    /// True for a name a client may ask for: a known ability or `*`.
    pub fn is_known(name: &str) -> bool {
        name == WILDCARD || Self::ALL.iter().any(|a| a.as_str() == name)
    }
}

impl fmt::Display for Ability {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

pub const WILDCARD: &str = "*";

/// The abilities stored with a token: the JSON list in `abilities`
/// (NULL or anything but a list of strings grants nothing, as in Sanctum).
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Abilities(Vec<String>);

impl Abilities {
    pub fn all() -> Self {
        Self(vec![WILDCARD.to_owned()])
    }

    pub fn new(names: Vec<String>) -> Self {
        Self(names)
    }

    /// Reads the `abilities` column.
    pub fn from_column(column: Option<&str>) -> Self {
        let names = column
            .and_then(|text| serde_json::from_str::<Vec<serde_json::Value>>(text).ok())
            .unwrap_or_default()
            .into_iter()
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect();
        Self(names)
    }

    /// The JSON written to the `abilities` column.
    pub fn to_column(&self) -> String {
        serde_json::Value::from(self.0.clone()).to_string()
    }

    pub fn names(&self) -> &[String] {
        &self.0
    }

    fn has_name(&self, name: &str) -> bool {
        self.0.iter().any(|n| n == WILDCARD || n == name)
    }

    /// Sanctum's `can()`.
    pub fn can(&self, ability: Ability) -> bool {
        self.has_name(ability.as_str())
    }

    /// True when a token holding `self` may mint a token holding `requested`:
    /// it can only pass on what it has (`*` only from `*`).
    pub fn can_grant(&self, requested: &Abilities) -> bool {
        let wildcard = self.0.iter().any(|n| n == WILDCARD);
        wildcard
            || requested
                .0
                .iter()
                .all(|n| n != WILDCARD && self.has_name(n))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn of(names: &[&str]) -> Abilities {
        Abilities::new(names.iter().map(|s| s.to_string()).collect())
    }

    #[test]
    fn can_follows_sanctum() {
        for (held, asked, expected) in [
            (of(&["*"]), Ability::PlanetsDelete, true),
            (of(&["planets:create"]), Ability::PlanetsCreate, true),
            (of(&["planets:create"]), Ability::PlanetsUpdate, false),
            (of(&[]), Ability::PlanetsCreate, false),
            (Abilities::from_column(None), Ability::PlanetsCreate, false),
            (
                Abilities::from_column(Some("not json")),
                Ability::PlanetsCreate,
                false,
            ),
            (
                Abilities::from_column(Some(r#"["tokens:manage"]"#)),
                Ability::TokensManage,
                true,
            ),
        ] {
            assert_eq!(held.can(asked), expected, "{held:?} can {asked}");
        }
    }

    #[test]
    fn a_token_grants_only_what_it_holds() {
        assert!(of(&["*"]).can_grant(&of(&["*"])));
        assert!(of(&["planets:create", "tokens:manage"]).can_grant(&of(&["planets:create"])));
        assert!(!of(&["planets:create"]).can_grant(&of(&["*"])));
        assert!(!of(&["planets:create"]).can_grant(&of(&["planets:delete"])));
        assert_eq!(of(&["a", "b"]).to_column(), r#"["a","b"]"#);
    }
}
