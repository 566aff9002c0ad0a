//! Arrivals from elsewhere and close contacts (密接): the people front-line work follows up.

use crate::spelling::spelled;

spelled! {
    /// How someone arrived.
    pub enum Transport("err-transport") {
        /// 火车/高铁
        Train = "train",
        /// 飞机
        Plane = "plane",
        /// 长途汽车
        Coach = "coach",
        /// 自驾
        Car = "car",
        /// 其他
        Other = "other",
    }
}

/// A place someone came from: 1–60 characters ("湖北省武汉市").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin(String);

impl Origin {
    /// Parses a place name.
    pub fn parse(raw: &str) -> Result<Origin, &'static str> {
        match crate::text::required_line("origin", raw, 60) {
            Ok(t) => Ok(Origin(t)),
            Err(e) if e.key == "err-required" => Err("err-required"),
            Err(_) => Err("err-too-long"),
        }
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A free-text note of at most 500 characters.
pub fn note(raw: &str) -> Result<String, &'static str> {
    crate::text::note("note", raw, 500).map_err(|_| "err-too-long")
}

/// Which list of traced people: arrivals from elsewhere or close contacts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trace {
    /// Arrivals, latest arrival first.
    Arrivals,
    /// Close contacts, latest contact first.
    Contacts,
}
