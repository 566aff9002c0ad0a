//! Arrivals from elsewhere and close contacts (密接): the people front-line work follows up.

use serde::{Deserialize, Serialize};

/// How someone arrived.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Transport {
    /// 火车/高铁
    Train,
    /// 飞机
    Plane,
    /// 长途汽车
    Coach,
    /// 自驾
    Car,
    /// 其他
    Other,
}

impl Transport {
    /// Every means.
    pub const ALL: [Transport; 5] = [
        Transport::Train,
        Transport::Plane,
        Transport::Coach,
        Transport::Car,
        Transport::Other,
    ];

    /// The stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Transport::Train => "train",
            Transport::Plane => "plane",
            Transport::Coach => "coach",
            Transport::Car => "car",
            Transport::Other => "other",
        }
    }

    /// Parses the stored spelling.
    pub fn parse(raw: &str) -> Result<Transport, &'static str> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == raw.trim())
            .ok_or("err-transport")
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
