//! Domain types and rules of sanshe. Pure: no HTTP, no SQL, no HTML.
//!
//! Every type here can only be built valid ("parse, don't validate"); the layers above take these
//! types rather than strings, so a `MainlandId` that exists has passed its check digit.

pub mod accounts;
pub mod alerts;
pub mod areas;
pub mod campaigns;
pub mod contacts;
pub mod dates;
pub mod error;
pub mod gates;
pub mod help;
pub mod identity;
pub mod isolation;
pub mod needs;
pub mod organizations;
pub mod phone;
pub mod registry;
pub mod rotas;
mod spelling;
pub mod text;
pub mod volunteers;

pub use error::{FieldError, FieldErrors};
