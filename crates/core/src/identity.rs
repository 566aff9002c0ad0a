//! Identity documents: the mainland resident ID number (GB 11643-1999) and the other documents
//! residents show (residence permits, passports), with the masking rule for lists and exports.

use chrono::{Datelike, NaiveDate};

use crate::spelling::spelled;

const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK_CHARS: &[u8; 11] = b"10X98765432";

spelled! {
    /// Sex as recorded in the registry and encoded in the ID number's 17th digit.
    pub enum Sex("err-sex") {
        /// 男
        Male = "male",
        /// 女
        Female = "female",
    }
}

impl Sex {
    /// Reads what someone typed: the stored word, or what a community office types in a sheet
    /// (男/女, M/F, 1/2).
    pub fn read(raw: &str) -> Result<Sex, &'static str> {
        match raw.trim().to_lowercase().as_str() {
            "male" | "m" | "男" | "1" => Ok(Sex::Male),
            "female" | "f" | "女" | "2" => Ok(Sex::Female),
            "" => Err("err-required"),
            _ => Err("err-sex"),
        }
    }

    /// Its name in Chinese, for sheets that leave the system.
    pub fn name_zh(self) -> &'static str {
        match self {
            Sex::Male => "男",
            Sex::Female => "女",
        }
    }
}

/// The check character of the first 17 digits (ISO 7064 MOD 11-2).
fn check_char(first17: &[u8]) -> u8 {
    let sum: u32 = first17
        .iter()
        .zip(WEIGHTS)
        .map(|(d, w)| u32::from(d - b'0') * w)
        .sum();
    CHECK_CHARS[(sum % 11) as usize]
}

/// A valid 18-character mainland citizen ID number (公民身份号码), also used by HK/Macau/Taiwan
/// residence permits (prefixes 81/82/83) and the 2023 foreigners' permanent-residence card (9).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct MainlandId(String);

impl MainlandId {
    /// Parses an 18-character number, or upgrades a legacy 15-digit one, checking the province
    /// prefix, the birth date (real, not after `today`) and the check character.
    pub fn parse(raw: &str, today: NaiveDate) -> Result<MainlandId, &'static str> {
        let cleaned: String = raw.trim().chars().filter(|c| !c.is_whitespace()).collect();
        let upper = cleaned.to_ascii_uppercase();
        let bytes = upper.as_bytes();
        let full: Vec<u8> = match bytes.len() {
            0 => return Err("err-required"),
            18 => {
                if !bytes[..17].iter().all(u8::is_ascii_digit)
                    || !(bytes[17].is_ascii_digit() || bytes[17] == b'X')
                {
                    return Err("err-id-format");
                }
                if check_char(&bytes[..17]) != bytes[17] {
                    return Err("err-id-check-digit");
                }
                bytes.to_vec()
            }
            15 => {
                if !bytes.iter().all(u8::is_ascii_digit) {
                    return Err("err-id-format");
                }
                // Legacy numbers carry a two-digit year of the 1900s and no check character.
                let mut v = Vec::with_capacity(18);
                v.extend_from_slice(&bytes[..6]);
                v.extend_from_slice(b"19");
                v.extend_from_slice(&bytes[6..]);
                v.push(check_char(&v));
                v
            }
            _ => return Err("err-id-length"),
        };
        let province = (full[0] - b'0') * 10 + (full[1] - b'0');
        let known_province = matches!(province, 11..=15 | 21..=23 | 31..=37 | 41..=46 | 50..=54 | 61..=65 | 71 | 81..=83)
            || full[0] == b'9';
        if !known_province {
            return Err("err-id-region");
        }
        let digits = std::str::from_utf8(&full).map_err(|_| "err-id-format")?;
        let birth =
            NaiveDate::parse_from_str(&digits[6..14], "%Y%m%d").map_err(|_| "err-id-birth-date")?;
        if birth > today || birth.year() < 1870 {
            return Err("err-id-birth-date");
        }
        Ok(MainlandId(digits.to_string()))
    }

    /// The number, upper-case `X`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The birth date encoded in digits 7–14.
    pub fn birth_date(&self) -> NaiveDate {
        // Checked in `parse`, so this cannot fail for a constructed value.
        NaiveDate::parse_from_str(&self.0[6..14], "%Y%m%d").unwrap_or_default()
    }

    /// The sex encoded by the parity of digit 17 (odd = male).
    pub fn sex(&self) -> Sex {
        if (self.0.as_bytes()[16] - b'0') % 2 == 1 {
            Sex::Male
        } else {
            Sex::Female
        }
    }

    /// Builds a valid number from a 6-digit region, a birth date and a 3-digit sequence; used by the
    /// demo data and tests, never for input.
    pub fn synthesize(region: &str, birth: NaiveDate, sequence: u16) -> MainlandId {
        let mut s = format!(
            "{region:0>6.6}{}{:03}",
            birth.format("%Y%m%d"),
            sequence % 1000
        );
        let c = check_char(s.as_bytes());
        s.push(c as char);
        MainlandId(s)
    }
}

spelled! {
    /// The kinds of identity document the registry accepts (the usual 证件类型 choices), in the
    /// order forms offer them.
    pub enum DocumentKind("err-document-kind") {
        /// 居民身份证
        MainlandId = "mainland_id",
        /// 港澳台居民居住证 (same number rules as the mainland ID)
        ResidencePermit = "residence_permit",
        /// 港澳居民来往内地通行证 / 台湾居民来往大陆通行证
        ExitEntryPermit = "exit_entry_permit",
        /// 护照
        Passport = "passport",
        /// 外国人永久居留身份证
        ForeignPermanentResidence = "foreign_permanent_residence",
        /// 其他
        Other = "other",
    }
}

impl DocumentKind {
    /// Its name in Chinese, for sheets that leave the system (exports are read in Chinese).
    pub fn name_zh(self) -> &'static str {
        match self {
            DocumentKind::MainlandId => "居民身份证",
            DocumentKind::ResidencePermit => "港澳台居民居住证",
            DocumentKind::ExitEntryPermit => "来往内地（大陆）通行证",
            DocumentKind::Passport => "护照",
            DocumentKind::ForeignPermanentResidence => "外国人永久居留身份证",
            DocumentKind::Other => "其他",
        }
    }

    /// Reads what someone typed: the stored word or the Chinese name used in sheets; empty
    /// means a mainland ID.
    pub fn read(raw: &str) -> Result<DocumentKind, &'static str> {
        let t = raw.trim();
        if t.is_empty() || t == "身份证" || t == "居民身份证" {
            return Ok(DocumentKind::MainlandId);
        }
        DocumentKind::parse(t)
            .ok()
            .or(match t {
                "港澳台居民居住证" | "居住证" => Some(DocumentKind::ResidencePermit),
                "通行证" | "回乡证" | "台胞证" | "来往内地（大陆）通行证" => {
                    Some(DocumentKind::ExitEntryPermit)
                }
                "护照" => Some(DocumentKind::Passport),
                "外国人永久居留身份证" | "永久居留证" => {
                    Some(DocumentKind::ForeignPermanentResidence)
                }
                "其他" => Some(DocumentKind::Other),
                _ => None,
            })
            .ok_or("err-document-kind")
    }

    /// Whether the number follows GB 11643 (and so carries sex and birth date).
    pub fn uses_citizen_number(self) -> bool {
        matches!(
            self,
            DocumentKind::MainlandId
                | DocumentKind::ResidencePermit
                | DocumentKind::ForeignPermanentResidence
        )
    }
}

/// A checked identity document: its kind and its normalized number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdentityDocument {
    kind: DocumentKind,
    number: String,
    citizen_number: Option<MainlandId>,
}

impl IdentityDocument {
    /// Checks `number` by the rules of `kind`: GB 11643 for citizen numbers (with the right prefix
    /// for permits), a plain 5–20 letters-and-digits check for passports and other documents.
    pub fn parse(
        kind: DocumentKind,
        number: &str,
        today: NaiveDate,
    ) -> Result<IdentityDocument, &'static str> {
        if kind.uses_citizen_number() {
            let id = MainlandId::parse(number, today)?;
            let prefix = &id.as_str()[..2];
            let prefix_fits = match kind {
                DocumentKind::ResidencePermit => matches!(prefix, "81" | "82" | "83"),
                DocumentKind::ForeignPermanentResidence => prefix.starts_with('9'),
                _ => !matches!(prefix, "81" | "82" | "83") && !prefix.starts_with('9'),
            };
            if !prefix_fits {
                return Err("err-id-kind-mismatch");
            }
            return Ok(IdentityDocument {
                kind,
                number: id.as_str().to_string(),
                citizen_number: Some(id),
            });
        }
        let cleaned: String = number
            .trim()
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect::<String>()
            .to_ascii_uppercase();
        if cleaned.is_empty() {
            return Err("err-required");
        }
        let ok = (5..=20).contains(&cleaned.len())
            && cleaned
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '(' || c == ')' || c == '-');
        if !ok {
            return Err("err-document-number");
        }
        Ok(IdentityDocument {
            kind,
            number: cleaned,
            citizen_number: None,
        })
    }

    /// The document kind.
    pub fn kind(&self) -> DocumentKind {
        self.kind
    }

    /// The normalized number (upper case, no spaces; 15-digit IDs upgraded to 18).
    pub fn number(&self) -> &str {
        &self.number
    }

    /// The GB 11643 number when the kind has one.
    pub fn citizen_number(&self) -> Option<&MainlandId> {
        self.citizen_number.as_ref()
    }

    /// The form shown in lists and exports: first 3 and last 4 characters, stars between.
    pub fn masked(&self) -> String {
        mask_middle(&self.number, 3, 4)
    }
}

/// Keeps `head` leading and `tail` trailing characters and replaces the rest with `*`.
pub fn mask_middle(value: &str, head: usize, tail: usize) -> String {
    let chars: Vec<char> = value.chars().collect();
    if chars.len() <= head + tail {
        return "*".repeat(chars.len());
    }
    let mut out: String = chars[..head].iter().collect();
    out.push_str(&"*".repeat(chars.len() - head - tail));
    out.extend(&chars[chars.len() - tail..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 28).unwrap()
    }

    #[test]
    fn published_examples_pass() {
        for n in [
            "11010519491231002X",
            "440524188001010014",
            "230127197908177456",
            "310112198504095227",
            "632123198209270518",
            "21021119810503545X",
            "330421197402080974",
            "130133197909136078",
        ] {
            assert!(MainlandId::parse(n, today()).is_ok(), "{n}");
        }
    }

    #[test]
    fn lower_case_x_is_accepted_and_stored_upper() {
        let id = MainlandId::parse("11010519491231002x", today()).unwrap();
        assert_eq!(id.as_str(), "11010519491231002X");
        assert_eq!(id.sex(), Sex::Female);
        assert_eq!(
            id.birth_date(),
            NaiveDate::from_ymd_opt(1949, 12, 31).unwrap()
        );
    }

    #[test]
    fn wrong_check_digit_is_refused() {
        assert_eq!(
            MainlandId::parse("120101199001011234", today()),
            Err("err-id-check-digit")
        );
    }

    #[test]
    fn legacy_fifteen_digit_numbers_are_upgraded() {
        assert_eq!(
            MainlandId::parse("310112850409522", today())
                .unwrap()
                .as_str(),
            "310112198504095227"
        );
        assert_eq!(
            MainlandId::parse("632123820927051", today())
                .unwrap()
                .as_str(),
            "632123198209270518"
        );
    }

    #[test]
    fn retired_tianjin_district_codes_are_still_accepted() {
        let birth = NaiveDate::from_ymd_opt(1960, 5, 1).unwrap();
        for region in ["120107", "120108", "120109", "120221", "120225"] {
            let id = MainlandId::synthesize(region, birth, 11);
            assert!(MainlandId::parse(id.as_str(), today()).is_ok(), "{region}");
        }
    }

    #[test]
    fn impossible_or_future_birth_dates_are_refused() {
        let feb30 = "12010119900230001".to_string();
        let mut s = feb30.clone();
        s.push(check_char(feb30.as_bytes()) as char);
        assert_eq!(MainlandId::parse(&s, today()), Err("err-id-birth-date"));
        let future =
            MainlandId::synthesize("120101", NaiveDate::from_ymd_opt(2027, 1, 1).unwrap(), 1);
        assert_eq!(
            MainlandId::parse(future.as_str(), today()),
            Err("err-id-birth-date")
        );
    }

    #[test]
    fn unknown_province_and_bad_length_are_refused() {
        let id = MainlandId::synthesize("990101", NaiveDate::from_ymd_opt(1990, 1, 1).unwrap(), 1);
        assert!(
            MainlandId::parse(id.as_str(), today()).is_ok(),
            "9 prefix is the 2023 foreigners' card"
        );
        let id = MainlandId::synthesize("000101", NaiveDate::from_ymd_opt(1990, 1, 1).unwrap(), 1);
        assert_eq!(
            MainlandId::parse(id.as_str(), today()),
            Err("err-id-region")
        );
        assert_eq!(
            MainlandId::parse("1201011990", today()),
            Err("err-id-length")
        );
        assert_eq!(MainlandId::parse("", today()), Err("err-required"));
    }

    #[test]
    fn residence_permits_need_their_prefix() {
        let permit =
            MainlandId::synthesize("810000", NaiveDate::from_ymd_opt(1985, 3, 3).unwrap(), 21);
        assert!(
            IdentityDocument::parse(DocumentKind::ResidencePermit, permit.as_str(), today())
                .is_ok()
        );
        assert_eq!(
            IdentityDocument::parse(DocumentKind::MainlandId, permit.as_str(), today()),
            Err("err-id-kind-mismatch")
        );
    }

    #[test]
    fn a_kind_exported_in_chinese_imports_back_as_itself() {
        for kind in DocumentKind::ALL {
            assert_eq!(DocumentKind::read(kind.name_zh()), Ok(kind));
        }
    }

    #[test]
    fn masking_keeps_three_and_four() {
        let doc = IdentityDocument::parse(DocumentKind::MainlandId, "11010519491231002X", today())
            .unwrap();
        assert_eq!(doc.masked(), "110***********002X");
    }

    #[test]
    fn passports_get_a_light_check() {
        assert!(IdentityDocument::parse(DocumentKind::Passport, "E12345678", today()).is_ok());
        assert_eq!(
            IdentityDocument::parse(DocumentKind::Passport, "E1", today()),
            Err("err-document-number")
        );
    }

    proptest! {
        #[test]
        fn synthesized_numbers_round_trip(y in 1900i32..2025, d in 0u32..365, seq in 0u16..1000) {
            let birth = NaiveDate::from_yo_opt(y, d + 1).unwrap();
            let id = MainlandId::synthesize("120104", birth, seq);
            let parsed = MainlandId::parse(id.as_str(), today()).unwrap();
            prop_assert_eq!(parsed.birth_date(), birth);
            prop_assert_eq!(parsed.sex(), if seq % 2 == 1 { Sex::Male } else { Sex::Female });
        }

        #[test]
        fn any_single_digit_change_is_caught(y in 1930i32..2020, seq in 0u16..1000, pos in 0usize..17, delta in 1u8..10) {
            let id = MainlandId::synthesize("120101", NaiveDate::from_ymd_opt(y, 6, 15).unwrap(), seq);
            let mut bytes = id.as_str().as_bytes().to_vec();
            bytes[pos] = b'0' + (bytes[pos] - b'0' + delta) % 10;
            let changed = String::from_utf8(bytes).unwrap();
            prop_assert!(MainlandId::parse(&changed, today()).is_err());
        }
    }
}
