//! HTTP plumbing shared by every resource: request bodies, the client IP, CORS,
//! the JSON 404/405 answers and the route table helper.

pub mod body;
pub mod client_ip;
pub mod cors;
pub mod fallback;

pub use body::InputBody;
