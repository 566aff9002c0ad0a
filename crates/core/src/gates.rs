//! Gate checkpoints under closed management: policies, passes, and the rule that decides whether
//! a person may go through (domain.md §3.3: one person per household every two days, 24-hour
//! checkpoints, temperature at every passage, home-observation people blocked).

use chrono::{NaiveDate, NaiveDateTime, Timelike};
use serde::{Deserialize, Serialize};

use crate::spelling::spelled;

spelled! {
    /// Which way someone goes through a gate.
    pub enum Direction("err-direction") {
        /// Coming home.
        In = "in",
        /// Going out.
        Out = "out",
    }
}

spelled! {
    /// Why a gate refused someone.
    pub enum Refusal("err-refusal") {
        /// At or above the fever line: no passage, and a call.
        Fever = "fever",
        /// The pass is not yet or no longer valid.
        Expired = "expired",
        /// The pass was revoked.
        Revoked = "revoked",
        /// Its holder (or, for a household pass, someone of the household) is in isolation.
        Suspended = "suspended",
        /// The household's exits for this period are used up.
        QuotaUsed = "quota_used",
        /// The pass belongs to another compound.
        WrongCompound = "wrong_compound",
        /// No such pass, or a QR code whose signature does not match.
        UnknownPass = "unknown_pass",
        /// Outside the hours the gate lets people out.
        Closed = "closed",
    }
}

spelled! {
    /// Who a gate post registers at the gate without a pass.
    pub enum VisitorKind("err-visitor-kind") {
        /// Someone visiting a household.
        Visitor = "visitor",
        /// A courier or food delivery, who may only leave things at the gate.
        Delivery = "delivery",
    }
}

/// A compound's closed-management rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GatePolicy {
    /// Exits allowed per household per period (0 = no limit).
    #[cfg_attr(feature = "openapi", schema(minimum = 0, maximum = 50))]
    pub exits_per_period: i64,
    /// Length of a period in days (periods start at midnight, China time).
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 31))]
    pub period_days: i64,
    /// First hour (0–23) people may go out.
    #[cfg_attr(feature = "openapi", schema(minimum = 0, maximum = 23))]
    pub out_from_hour: u32,
    /// Hour (1–24) from which nobody may go out; after `out_from_hour`.
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 24))]
    pub out_until_hour: u32,
}

impl Default for GatePolicy {
    /// "每户每两天指派 1 名家庭成员外出采购", gates letting people out 6:00–22:00.
    fn default() -> Self {
        GatePolicy {
            exits_per_period: 1,
            period_days: 2,
            out_from_hour: 6,
            out_until_hour: 22,
        }
    }
}

impl GatePolicy {
    /// Checks a policy as entered.
    pub fn new(
        exits_per_period: i64,
        period_days: i64,
        out_from_hour: u32,
        out_until_hour: u32,
    ) -> Result<GatePolicy, (&'static str, &'static str)> {
        if !(0..=50).contains(&exits_per_period) {
            return Err(("exits_per_period", "err-policy-exits"));
        }
        if !(1..=31).contains(&period_days) {
            return Err(("period_days", "err-policy-period"));
        }
        if out_from_hour > 23 || out_until_hour > 24 || out_from_hour >= out_until_hour {
            return Err(("out_until_hour", "err-policy-hours"));
        }
        Ok(GatePolicy {
            exits_per_period,
            period_days,
            out_from_hour,
            out_until_hour,
        })
    }

    /// The quota period a local (China time) moment falls in, as its first day: periods of
    /// `period_days` counted from 2020-01-01, so every household shares the same boundaries and
    /// a period turns over at midnight.
    pub fn period_start(&self, local: NaiveDateTime) -> NaiveDate {
        let epoch = NaiveDate::from_ymd_opt(2020, 1, 1).unwrap_or_default();
        let days = (local.date() - epoch).num_days();
        let start = days - days.rem_euclid(self.period_days);
        epoch + chrono::Duration::days(start)
    }

    /// Whether people may go out at this local hour.
    pub fn out_open_at(&self, local: NaiveDateTime) -> bool {
        let h = local.hour();
        h >= self.out_from_hour && h < self.out_until_hour
    }
}

/// What the server knows about a pass at the moment of a scan.
#[derive(Debug, Clone, Copy)]
pub struct PassState {
    /// The pass's compound is the gate's compound.
    pub same_compound: bool,
    /// Revoked.
    pub revoked: bool,
    /// The scan's local date lies within the pass's validity.
    pub valid_on_date: bool,
    /// The holder, or someone of the household for a household pass, is in isolation.
    pub suspended: bool,
    /// Exits the household already made in the scan's period.
    pub exits_in_period: i64,
}

/// Decides a passage: `Ok(())` to let through, or the first reason to refuse, in the order a
/// gate volunteer would check (is it our pass, is it valid, is the person well, may they go out).
pub fn decide(
    pass: Option<PassState>,
    policy: &GatePolicy,
    direction: Direction,
    local: NaiveDateTime,
    fever: bool,
) -> Result<(), Refusal> {
    let Some(p) = pass else {
        return Err(Refusal::UnknownPass);
    };
    if !p.same_compound {
        return Err(Refusal::WrongCompound);
    }
    if p.revoked {
        return Err(Refusal::Revoked);
    }
    if !p.valid_on_date {
        return Err(Refusal::Expired);
    }
    if fever {
        return Err(Refusal::Fever);
    }
    if p.suspended {
        return Err(Refusal::Suspended);
    }
    if direction == Direction::Out {
        if !policy.out_open_at(local) {
            return Err(Refusal::Closed);
        }
        if policy.exits_per_period > 0 && p.exits_in_period >= policy.exits_per_period {
            return Err(Refusal::QuotaUsed);
        }
    }
    Ok(())
}

/// A pass's short code as typed at the gate: 8 of `23456789ABCDEFGHJKMNPQRSTVWXYZ` (no 0/O, 1/I/L
/// or U to misread), case and spaces ignored.
pub fn normalize_code(raw: &str) -> Option<String> {
    let code: String = raw
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .map(|c| c.to_ascii_uppercase())
        .collect();
    (code.len() == 8 && code.chars().all(|c| CODE_ALPHABET.contains(c))).then_some(code)
}

/// The letters of short codes.
pub const CODE_ALPHABET: &str = "23456789ABCDEFGHJKMNPQRSTVWXYZ";

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap()
    }

    fn ok_pass() -> PassState {
        PassState {
            same_compound: true,
            revoked: false,
            valid_on_date: true,
            suspended: false,
            exits_in_period: 0,
        }
    }

    #[test]
    fn periods_turn_over_at_midnight_china_time() {
        let p = GatePolicy::default();
        // 2020-02-06 is day 36 after 2020-01-01: periods of two days start on even days.
        assert_eq!(
            p.period_start(at("2020-02-06 23:59")),
            NaiveDate::from_ymd_opt(2020, 2, 6).unwrap()
        );
        assert_eq!(
            p.period_start(at("2020-02-07 23:59")),
            NaiveDate::from_ymd_opt(2020, 2, 6).unwrap()
        );
        assert_eq!(
            p.period_start(at("2020-02-08 00:00")),
            NaiveDate::from_ymd_opt(2020, 2, 8).unwrap()
        );
        let daily = GatePolicy::new(1, 1, 0, 24).unwrap();
        assert_ne!(
            daily.period_start(at("2020-02-06 23:59")),
            daily.period_start(at("2020-02-07 00:01"))
        );
    }

    #[test]
    fn the_rule_refuses_in_a_volunteers_order() {
        let p = GatePolicy::default();
        let noon = at("2020-02-06 12:00");
        let (out_, in_) = (Direction::Out, Direction::In);
        // A good pass, changed in one way.
        let pass = |change: fn(&mut PassState)| {
            let mut state = ok_pass();
            change(&mut state);
            Some(state)
        };
        let good = pass(|_| ());
        // (pass, direction, time, fever, expected): a table reads better in columns.
        #[rustfmt::skip]
        let cases = [
            (None, in_, noon, false, Err(Refusal::UnknownPass)),
            (pass(|s| s.same_compound = false), in_, noon, true, Err(Refusal::WrongCompound)),
            (pass(|s| s.revoked = true), in_, noon, false, Err(Refusal::Revoked)),
            (pass(|s| s.valid_on_date = false), in_, noon, false, Err(Refusal::Expired)),
            (good, in_, noon, true, Err(Refusal::Fever)),
            (pass(|s| s.suspended = true), in_, noon, false, Err(Refusal::Suspended)),
            (pass(|s| s.exits_in_period = 1), out_, noon, false, Err(Refusal::QuotaUsed)),
            // Coming home is never rationed.
            (pass(|s| s.exits_in_period = 1), in_, noon, false, Ok(())),
            (good, out_, at("2020-02-06 22:00"), false, Err(Refusal::Closed)),
            (good, out_, at("2020-02-06 06:00"), false, Ok(())),
        ];
        for (i, (state, direction, time, fever, expected)) in cases.into_iter().enumerate() {
            assert_eq!(
                decide(state, &p, direction, time, fever),
                expected,
                "case {i}"
            );
        }
    }

    #[test]
    fn policies_and_codes_are_checked() {
        assert!(GatePolicy::new(1, 0, 6, 22).is_err());
        assert!(GatePolicy::new(1, 2, 22, 6).is_err());
        assert_eq!(normalize_code("ab3d-ef7h"), Some("AB3DEF7H".into()));
        assert_eq!(normalize_code("AB0DEF7H"), None, "no zero");
        assert_eq!(normalize_code("AB3DEF7"), None);
    }
}
