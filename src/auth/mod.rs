//! Authentication: the token format, the extractor that yields the current user
//! and token, abilities, passwords and login throttling.

pub mod abilities;
pub mod extractor;
pub mod password;
pub mod throttle;
pub mod token;
pub mod verifier;

pub use abilities::{Abilities, Ability};
pub use extractor::Authenticated;
pub use password::PasswordHasher;
pub use token::{PresentedToken, TokenHash, TokenSecret};
pub use verifier::{AuthContext, TokenVerifier};
