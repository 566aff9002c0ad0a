//! Home isolation and daily health reports: temperatures, report slots, episode kinds, symptoms.
//!
//! The rules follow the 2020 NHC protocols (domain.md §3.1–3.2): observation lasts 14 days from
//! the last exposure, temperature is taken twice a day, and 37.3 °C is the usual fever line.

use chrono::{Duration, NaiveDate, NaiveDateTime, NaiveTime, Timelike};
use serde::{Deserialize, Serialize};

use crate::spelling::spelled;

/// Days of observation after the last exposure or the arrival (NHC editions 2–6).
pub const OBSERVATION_DAYS: i64 = 14;

/// The usual fever line in tenths of a degree: ≥ 37.3 °C.
pub const DEFAULT_FEVER_TENTHS: i64 = 373;

/// A body temperature as entered, in tenths of a degree Celsius, within 34.0–43.0 °C: anything
/// outside is a typo (a missing decimal point, 3.73 or 373), not a reading.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Temperature(i64);

impl Temperature {
    /// Parses "37.3", "37,3" or "37" (°C).
    pub fn parse(raw: &str) -> Result<Temperature, &'static str> {
        let t = raw
            .trim()
            .trim_end_matches(['℃', 'C', '°'])
            .trim()
            .replace(',', ".");
        if t.is_empty() {
            return Err("err-required");
        }
        let value: f64 = t.parse().map_err(|_| "err-temperature")?;
        Self::from_celsius(value)
    }

    /// A reading given as a number of °C.
    pub fn from_celsius(value: f64) -> Result<Temperature, &'static str> {
        if !value.is_finite() {
            return Err("err-temperature");
        }
        let tenths = (value * 10.0).round() as i64;
        Self::from_tenths(tenths)
    }

    /// A reading in tenths of a degree (as stored).
    pub fn from_tenths(tenths: i64) -> Result<Temperature, &'static str> {
        if (340..=430).contains(&tenths) {
            Ok(Temperature(tenths))
        } else {
            Err("err-temperature-range")
        }
    }

    /// Tenths of a degree.
    pub fn tenths(self) -> i64 {
        self.0
    }

    /// Whether this is a fever at the given line (tenths).
    pub fn is_fever(self, line_tenths: i64) -> bool {
        self.0 >= line_tenths
    }
}

impl std::fmt::Display for Temperature {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}", self.0 / 10, self.0 % 10)
    }
}

/// Formats stored tenths as "37.3" (for rows read back from the database).
pub fn format_tenths(tenths: i64) -> String {
    format!("{}.{}", tenths / 10, tenths.rem_euclid(10))
}

/// Which half of the day a report belongs to: the morning and the afternoon/evening reading.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Half {
    /// 00:00–12:00 China time.
    Morning,
    /// 12:00–24:00 China time.
    Afternoon,
}

/// One of the two daily report slots, in China time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Slot {
    /// The local date.
    pub date: NaiveDate,
    /// Which half.
    pub half: Half,
}

impl Slot {
    /// The slot a local (China time) moment falls in.
    pub fn containing(local: NaiveDateTime) -> Slot {
        Slot {
            date: local.date(),
            half: if local.hour() < 12 {
                Half::Morning
            } else {
                Half::Afternoon
            },
        }
    }

    /// The stored key, e.g. `2020-02-06-am`.
    pub fn key(self) -> String {
        format!(
            "{}-{}",
            self.date.format("%Y-%m-%d"),
            match self.half {
                Half::Morning => "am",
                Half::Afternoon => "pm",
            }
        )
    }

    /// Parses a stored key.
    pub fn parse(key: &str) -> Option<Slot> {
        let (date, half) = key.rsplit_once('-')?;
        let date = NaiveDate::parse_from_str(date, "%Y-%m-%d").ok()?;
        let half = match half {
            "am" => Half::Morning,
            "pm" => Half::Afternoon,
            _ => return None,
        };
        Some(Slot { date, half })
    }

    /// When the slot starts, local time.
    pub fn start(self) -> NaiveDateTime {
        let hour = match self.half {
            Half::Morning => 0,
            Half::Afternoon => 12,
        };
        self.date
            .and_time(NaiveTime::from_hms_opt(hour, 0, 0).unwrap_or_default())
    }

    /// When the slot ends (the next slot's start), local time.
    pub fn end(self) -> NaiveDateTime {
        self.start() + Duration::hours(12)
    }

    /// The slot before.
    pub fn previous(self) -> Slot {
        Slot::containing(self.start() - Duration::hours(1))
    }

    /// The slot after.
    pub fn next(self) -> Slot {
        Slot::containing(self.end())
    }
}

spelled! {
    /// Where the person is observed.
    pub enum EpisodeKind("err-episode-kind") {
        /// 居家隔离
        HomeIsolation = "home_isolation",
        /// 居家医学观察
        HomeMedicalObservation = "home_medical_observation",
        /// 集中隔离医学观察
        CentralizedObservation = "centralized_observation",
    }
}

spelled! {
    /// How the daily reports reach sanshe.
    pub enum FollowUpMode("err-follow-up", blank = Link) {
        /// The resident reports through their link.
        Link = "link",
        /// The worker phones and enters the report.
        Phone = "phone",
    }
}

spelled! {
    /// Where an episode is: open until released.
    pub enum EpisodeStatus("err-episode-status") {
        /// Under observation.
        Open = "open",
        /// Ended, with a reason.
        Released = "released",
    }
}

spelled! {
    /// A symptom a report can carry (NHC: fever, cough, shortness of breath, diarrhoea, fatigue).
    pub enum Symptom("err-symptom") {
        /// 咳嗽
        Cough = "cough",
        /// 咽痛
        SoreThroat = "sore_throat",
        /// 乏力
        Fatigue = "fatigue",
        /// 腹泻
        Diarrhoea = "diarrhoea",
        /// 嗅觉味觉减退
        LossOfSmellOrTaste = "loss_of_smell_or_taste",
        /// 呼吸困难 (severe)
        ShortnessOfBreath = "shortness_of_breath",
        /// 胸痛胸闷 (severe)
        ChestPain = "chest_pain",
        /// 意识模糊 (severe)
        Confusion = "confusion",
    }
}

impl Symptom {
    /// Symptoms that call for a doctor now rather than at the next report.
    pub fn is_severe(self) -> bool {
        matches!(
            self,
            Symptom::ShortnessOfBreath | Symptom::ChestPain | Symptom::Confusion
        )
    }
}

/// Parses a list of symptom spellings, dropping repeats.
pub fn parse_symptoms<S: AsRef<str>>(raw: &[S]) -> Result<Vec<Symptom>, &'static str> {
    // Each symptom once: a list longer than twice the known ones is not a report.
    if raw.len() > 32 {
        return Err("err-symptom");
    }
    let mut out = Vec::new();
    for s in raw {
        let s = Symptom::parse(s.as_ref())?;
        if !out.contains(&s) {
            out.push(s);
        }
    }
    Ok(out)
}

spelled! {
    /// Why an episode ended.
    pub enum ReleaseReason("err-release-reason") {
        /// 期满解除: observation completed without findings.
        Completed = "completed",
        /// 转诊就医: referred to a hospital.
        Referred = "referred",
        /// 离开本辖区: moved out of the area.
        MovedAway = "moved_away",
        /// 登记有误: opened by mistake.
        OpenedInError = "opened_in_error",
    }
}

/// The planned end of observation: 14 days after the last exposure or the arrival.
pub fn planned_end(exposure: NaiveDate) -> NaiveDate {
    exposure + Duration::days(OBSERVATION_DAYS)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap()
    }

    #[test]
    fn reports_come_by_the_link_unless_a_worker_chooses_the_phone() {
        assert_eq!(FollowUpMode::chosen(""), Ok(FollowUpMode::Link));
        assert_eq!(FollowUpMode::chosen(" phone "), Ok(FollowUpMode::Phone));
        assert_eq!(FollowUpMode::chosen("sms"), Err("err-follow-up"));
        assert_eq!(FollowUpMode::parse(""), Err("err-follow-up"));
    }

    #[test]
    fn temperatures_outside_the_body_range_are_typos() {
        assert_eq!(Temperature::parse("37.3").unwrap().tenths(), 373);
        assert_eq!(Temperature::parse("36,8℃").unwrap().tenths(), 368);
        assert_eq!(Temperature::parse("373"), Err("err-temperature-range"));
        assert_eq!(Temperature::parse("3.73"), Err("err-temperature-range"));
        assert_eq!(Temperature::parse("33.9"), Err("err-temperature-range"));
        assert_eq!(Temperature::parse("43.1"), Err("err-temperature-range"));
        assert!(Temperature::parse("34.0").is_ok() && Temperature::parse("43.0").is_ok());
        assert_eq!(Temperature::parse("abc"), Err("err-temperature"));
        assert_eq!(Temperature::parse(" "), Err("err-required"));
        assert!(
            Temperature::parse("37.3")
                .unwrap()
                .is_fever(DEFAULT_FEVER_TENTHS)
        );
        assert!(
            !Temperature::parse("37.2")
                .unwrap()
                .is_fever(DEFAULT_FEVER_TENTHS)
        );
    }

    #[test]
    fn slots_split_the_day_at_noon() {
        let am = Slot::containing(at("2020-02-06 11:59"));
        let pm = Slot::containing(at("2020-02-06 12:00"));
        assert_eq!(am.key(), "2020-02-06-am");
        assert_eq!(pm.key(), "2020-02-06-pm");
        assert_eq!(am.next(), pm);
        assert_eq!(pm.next().key(), "2020-02-07-am");
        assert_eq!(am.previous().key(), "2020-02-05-pm");
        assert_eq!(Slot::parse("2020-02-06-pm"), Some(pm));
        assert_eq!(pm.end(), at("2020-02-07 00:00"));
    }

    #[test]
    fn observation_lasts_fourteen_days() {
        let d = NaiveDate::from_ymd_opt(2020, 1, 30).unwrap();
        assert_eq!(
            planned_end(d),
            NaiveDate::from_ymd_opt(2020, 2, 13).unwrap()
        );
    }

    #[test]
    fn severe_symptoms() {
        let s = parse_symptoms(&["cough", "shortness_of_breath", "cough"]).unwrap();
        assert_eq!(s.len(), 2);
        assert!(s.iter().any(|s| s.is_severe()));
        assert_eq!(parse_symptoms(&["sneeze"]), Err("err-symptom"));
    }
}
