//! The demo data: the solar system's eight planets.

use chrono::NaiveDateTime;

use super::model::NewPlanet;

const SOLAR_SYSTEM: [(&str, &str, i64, bool); 8] = [
    (
        "Mercury",
        "The smallest planet and the closest to the Sun.",
        4_879,
        false,
    ),
    (
        "Venus",
        "A thick, toxic atmosphere makes it the hottest planet.",
        12_104,
        false,
    ),
    (
        "Earth",
        "The only planet known to harbour life.",
        12_742,
        true,
    ),
    (
        "Mars",
        "The red planet, home of Olympus Mons.",
        6_779,
        false,
    ),
    (
        "Jupiter",
        "The largest planet, a gas giant with a Great Red Spot.",
        139_820,
        false,
    ),
    (
        "Saturn",
        "A gas giant famous for its rings.",
        116_460,
        false,
    ),
    (
        "Uranus",
        "An ice giant that rotates on its side.",
        50_724,
        false,
    ),
    (
        "Neptune",
        "The windiest planet, farthest from the Sun.",
        49_244,
        false,
    ),
];

pub fn solar_system(created_by: Option<i64>, now: NaiveDateTime) -> Vec<NewPlanet> {
    SOLAR_SYSTEM
        .iter()
        .map(|(name, description, diameter, habitable)| NewPlanet {
            name: (*name).to_owned(),
            description: Some((*description).to_owned()),
            diameter_km: Some(*diameter),
            is_habitable: *habitable,
            created_by,
            created_at: now,
            updated_at: now,
        })
        .collect()
}
