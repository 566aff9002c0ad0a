//! Phone numbers: mainland mobiles (`1[3-9]` + 9 digits) and landlines (area code + number).

use crate::identity::mask_middle;

/// A checked phone number in its normalized form.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Phone {
    /// An 11-digit mainland mobile without country prefix.
    Mobile(String),
    /// A landline as `0AA-NNNNNNNN` (area code with leading zero, then 7–8 digits).
    Landline(String),
}

impl Phone {
    /// Parses what people type: spaces, hyphens and a `+86`/`0086`/`86` prefix are allowed.
    pub fn parse(raw: &str) -> Result<Phone, &'static str> {
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            return Err("err-required");
        }
        let mut digits: String = trimmed
            .chars()
            .filter(|c| !matches!(c, ' ' | '-' | '(' | ')'))
            .collect();
        if let Some(rest) = digits.strip_prefix('+') {
            digits = rest.to_string();
        }
        if !digits.chars().all(|c| c.is_ascii_digit()) {
            return Err("err-phone");
        }
        for prefix in ["0086", "86"] {
            if digits.len() == 11 + prefix.len() && digits.starts_with(prefix) {
                digits = digits[prefix.len()..].to_string();
            }
        }
        let b = digits.as_bytes();
        if b.len() == 11 && b[0] == b'1' && (b'3'..=b'9').contains(&b[1]) {
            return Ok(Phone::Mobile(digits));
        }
        // Landline: area codes are 010, 02X (3 digits) or 0XXX (4 digits); local numbers 7–8 digits.
        if b.first() == Some(&b'0') && (10..=12).contains(&b.len()) {
            let area_len = if b[1] == b'1' || b[1] == b'2' { 3 } else { 4 };
            let local = b.len() - area_len;
            if (7..=8).contains(&local) {
                return Ok(Phone::Landline(format!(
                    "{}-{}",
                    &digits[..area_len],
                    &digits[area_len..]
                )));
            }
        }
        Err("err-phone")
    }

    /// The normalized number.
    pub fn as_str(&self) -> &str {
        match self {
            Phone::Mobile(s) | Phone::Landline(s) => s,
        }
    }

    /// The form shown in lists and exports (`138****5678`).
    pub fn masked(&self) -> String {
        match self {
            Phone::Mobile(s) => mask_middle(s, 3, 4),
            Phone::Landline(s) => mask_middle(s, 4, 4),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mobiles_with_prefixes_and_spaces_normalize() {
        for raw in [
            "13812345678",
            "+86 138 1234 5678",
            "0086-13812345678",
            "8613812345678",
        ] {
            assert_eq!(
                Phone::parse(raw),
                Ok(Phone::Mobile("13812345678".into())),
                "{raw}"
            );
        }
    }

    #[test]
    fn mobile_masking() {
        assert_eq!(Phone::parse("13812345678").unwrap().masked(), "138****5678");
    }

    #[test]
    fn tianjin_landline_is_accepted() {
        assert_eq!(
            Phone::parse("022-23456789"),
            Ok(Phone::Landline("022-23456789".into()))
        );
        assert_eq!(
            Phone::parse("02223456789").unwrap().masked(),
            "022-****6789"
        );
    }

    #[test]
    fn bad_numbers_are_refused() {
        assert_eq!(Phone::parse("12812345678"), Err("err-phone"));
        assert_eq!(Phone::parse("1381234567"), Err("err-phone"));
        assert_eq!(Phone::parse("abc"), Err("err-phone"));
        assert_eq!(Phone::parse(" "), Err("err-required"));
    }
}
