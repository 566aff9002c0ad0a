//! The household and resident registry's rules: what a valid resident record is.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::error::FieldErrors;
use crate::identity::{DocumentKind, IdentityDocument, Sex};
use crate::phone::Phone;

/// A checked personal name: 1–50 characters, no control characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonName(String);

impl PersonName {
    /// Parses a name as typed (trimmed; inner spaces of foreign names kept).
    pub fn parse(raw: &str) -> Result<PersonName, &'static str> {
        if raw.len() > 50 * 4 + 64 {
            return Err("err-too-long");
        }
        // Invisible marks go before the checks: "王\u{200B}芳" is the same person as "王芳".
        let t = crate::text::clean(raw, false);
        let t = t.as_str();
        if t.is_empty() {
            return Err("err-required");
        }
        if t.chars().count() > 50 {
            return Err("err-too-long");
        }
        if t.chars().any(|c| c.is_control() || c.is_ascii_digit()) {
            return Err("err-name-chars");
        }
        Ok(PersonName(t.to_string()))
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Vulnerability flags a community tracks for each resident.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct ResidentFlags {
    /// 独居
    pub living_alone: bool,
    /// 80岁以上 (set from the birth date; kept as a flag so lists can filter on it)
    pub elderly_80: bool,
    /// 残疾
    pub disabled: bool,
    /// 慢性病
    pub chronic_illness: bool,
    /// 孕妇
    pub pregnant: bool,
}

/// A resident as typed into a form, a sheet row or an API body: all strings, nothing checked.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct ResidentInput {
    /// 姓名
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 50))]
    pub name: String,
    /// 性别: male / female (or 男/女); may be empty when the ID number gives it.
    pub sex: String,
    /// 出生日期 YYYY-MM-DD; may be empty when the ID number gives it.
    #[cfg_attr(feature = "openapi", schema(format = Date))]
    pub birth_date: String,
    /// 证件类型: mainland_id (the default, when empty), residence_permit, exit_entry_permit,
    /// passport, foreign_permanent_residence, other.
    pub document_kind: String,
    /// 证件号码
    #[cfg_attr(feature = "openapi", schema(max_length = 40))]
    pub document_number: String,
    /// 手机号/电话 (optional): mobile or landline.
    #[cfg_attr(feature = "openapi", schema(max_length = 20))]
    pub phone: String,
    /// Flags.
    pub flags: ResidentFlags,
}

/// A resident whose every field passed its rules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidResident {
    /// Name.
    pub name: PersonName,
    /// Sex.
    pub sex: Sex,
    /// Birth date.
    pub birth_date: NaiveDate,
    /// Identity document.
    pub document: IdentityDocument,
    /// Phone, when given.
    pub phone: Option<Phone>,
    /// Flags, with `elderly_80` set from the birth date.
    pub flags: ResidentFlags,
}

/// Age in whole years on `today`.
pub fn age_on(birth: NaiveDate, today: NaiveDate) -> u32 {
    today.years_since(birth).unwrap_or(0)
}

impl ResidentInput {
    /// Checks every field and their agreement (an ID's sex and birth date must match what was
    /// entered); returns every rejection at once so a form can show them all.
    pub fn validate(&self, today: NaiveDate) -> Result<ValidResident, FieldErrors> {
        let mut errors = FieldErrors::default();
        let name = errors.take("name", PersonName::parse(&self.name));
        let kind = errors.take("document_kind", DocumentKind::read(&self.document_kind));
        let document = kind.and_then(|k| {
            errors.take(
                "document_number",
                IdentityDocument::parse(k, &self.document_number, today),
            )
        });
        let phone = if self.phone.trim().is_empty() {
            None
        } else {
            errors.take("phone", Phone::parse(&self.phone))
        };
        let entered_sex = if self.sex.trim().is_empty() {
            None
        } else {
            errors.take("sex", Sex::read(&self.sex))
        };
        let entered_birth = if self.birth_date.trim().is_empty() {
            None
        } else {
            errors.take(
                "birth_date",
                parse_date(&self.birth_date).and_then(|d| {
                    if d > today {
                        Err("err-date-future")
                    } else {
                        Ok(d)
                    }
                }),
            )
        };
        let from_id = document
            .as_ref()
            .and_then(|d| d.citizen_number())
            .map(|id| (id.sex(), id.birth_date()));
        if let (Some((id_sex, _)), Some(s)) = (from_id, entered_sex)
            && id_sex != s
        {
            errors.push("sex", "err-sex-mismatch");
        }
        if let (Some((_, id_birth)), Some(b)) = (from_id, entered_birth)
            && id_birth != b
        {
            errors.push("birth_date", "err-birth-mismatch");
        }
        let sex = entered_sex.or(from_id.map(|f| f.0));
        let birth_date = entered_birth.or(from_id.map(|f| f.1));
        if sex.is_none() && self.sex.trim().is_empty() && document.is_some() {
            errors.push("sex", "err-required");
        }
        if birth_date.is_none() && self.birth_date.trim().is_empty() && document.is_some() {
            errors.push("birth_date", "err-required");
        }
        errors.into_result()?;
        let (Some(name), Some(document), Some(sex), Some(birth_date)) =
            (name, document, sex, birth_date)
        else {
            // Every None above recorded an error, so this branch is unreachable in practice.
            let mut e = FieldErrors::default();
            e.push("name", "err-required");
            return Err(e);
        };
        let mut flags = self.flags;
        flags.elderly_80 = age_on(birth_date, today) >= 80;
        if flags.pregnant && sex == Sex::Male {
            let mut e = FieldErrors::default();
            e.push("pregnant", "err-pregnant-male");
            return Err(e);
        }
        Ok(ValidResident {
            name,
            sex,
            birth_date,
            document,
            phone,
            flags,
        })
    }
}

/// Parses a date as offices write it: `2020-01-25`, `2020/1/25`, `2020.1.25`, `20200125`.
pub fn parse_date(raw: &str) -> Result<NaiveDate, &'static str> {
    let t = raw.trim();
    for fmt in ["%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y%m%d", "%Y年%m月%d日"] {
        if let Ok(d) = NaiveDate::parse_from_str(t, fmt) {
            return Ok(d);
        }
    }
    Err("err-date")
}

/// A household's address inside its area: building, unit and room as the office writes them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HouseholdAddress {
    /// 楼栋 (e.g. "3号楼")
    pub building: String,
    /// 单元 (may be empty)
    pub unit: String,
    /// 房号 (e.g. "502")
    pub room: String,
}

impl HouseholdAddress {
    /// Checks an address; the room is required, each part at most 20 characters.
    pub fn parse(building: &str, unit: &str, room: &str) -> Result<HouseholdAddress, FieldErrors> {
        let mut errors = FieldErrors::default();
        let mut part = |field: &str, v: &str| {
            errors
                .take_field(crate::text::line(field, v, 20))
                .unwrap_or_default()
        };
        let (building, unit, room) = (
            part("building", building),
            part("unit", unit),
            part("room", room),
        );
        if room.is_empty() && errors.is_empty() {
            errors.push("room", "err-required");
        }
        errors.into_result()?;
        Ok(HouseholdAddress {
            building,
            unit,
            room,
        })
    }

    /// The address with its room masked, for those who confirm a door but need not know it:
    /// `3号楼 2单元 5**`.
    pub fn masked_label(&self) -> String {
        HouseholdAddress {
            room: crate::identity::mask_middle(&self.room, 1, 0),
            ..self.clone()
        }
        .label()
    }

    /// The address as one line: `3号楼 2单元 502`.
    pub fn label(&self) -> String {
        [
            self.building.as_str(),
            self.unit.as_str(),
            self.room.as_str(),
        ]
        .iter()
        .filter(|s| !s.is_empty())
        .copied()
        .collect::<Vec<_>>()
        .join(" ")
    }
}

/// The key residents are listed by: each character as its pinyin without tones (other
/// characters as themselves, lower-cased), each followed by a space, so that 安 < 李 < 王 < 于 as
/// a Chinese reader expects and a name's key starts with the key of any of its beginnings.
pub fn name_sort_key(name: &str) -> String {
    use pinyin::ToPinyin;
    let mut key = String::with_capacity(name.len() * 2);
    for (c, reading) in name.chars().zip(name.to_pinyin()) {
        match reading {
            Some(p) => key.push_str(p.plain()),
            None => key.extend(c.to_lowercase()),
        }
        key.push(' ');
    }
    key
}

#[cfg(test)]
mod tests {
    #[test]
    fn names_sort_by_pinyin_and_a_beginning_keys_a_prefix() {
        let mut names = vec!["于丽", "王芳", "安娜", "李明", "李明华", "Zhang"];
        names.sort_by_key(|n| super::name_sort_key(n));
        assert_eq!(names, ["安娜", "李明", "李明华", "王芳", "于丽", "Zhang"]);
        assert_eq!(super::name_sort_key("王芳"), "wang fang ");
        assert!(super::name_sort_key("李明华").starts_with(&super::name_sort_key("李明")));
        assert!(!super::name_sort_key("梁").starts_with(&super::name_sort_key("李")));
    }

    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 28).unwrap()
    }

    fn input(name: &str, sex: &str, birth: &str, id: &str) -> ResidentInput {
        ResidentInput {
            name: name.into(),
            sex: sex.into(),
            birth_date: birth.into(),
            document_number: id.into(),
            ..Default::default()
        }
    }

    #[test]
    fn id_fills_sex_and_birth_date() {
        let r = input("王淑兰", "", "", "11010519491231002X")
            .validate(today())
            .unwrap();
        assert_eq!(r.sex, Sex::Female);
        assert_eq!(r.birth_date, NaiveDate::from_ymd_opt(1949, 12, 31).unwrap());
        assert!(!r.flags.elderly_80, "76 years old");
        let old = crate::identity::MainlandId::synthesize(
            "120104",
            NaiveDate::from_ymd_opt(1944, 3, 1).unwrap(),
            12,
        );
        assert!(
            input("李桂芝", "", "", old.as_str())
                .validate(today())
                .unwrap()
                .flags
                .elderly_80
        );
    }

    #[test]
    fn disagreement_with_the_id_is_reported_on_the_field() {
        let e = input("王淑兰", "男", "1950-01-01", "11010519491231002X")
            .validate(today())
            .unwrap_err();
        let fields: Vec<_> = e.0.iter().map(|f| (f.field.as_str(), f.key)).collect();
        assert_eq!(
            fields,
            [
                ("sex", "err-sex-mismatch"),
                ("birth_date", "err-birth-mismatch")
            ]
        );
    }

    #[test]
    fn every_bad_field_is_reported_at_once() {
        let mut i = input("", "x", "", "120101199001011234");
        i.phone = "123".into();
        let e = i.validate(today()).unwrap_err();
        let fields: Vec<_> = e.0.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(fields, ["name", "document_number", "phone", "sex"]);
    }

    #[test]
    fn passport_holders_need_sex_and_birth_date() {
        let mut i = input("John Smith", "", "", "E12345678");
        i.document_kind = "passport".into();
        let e = i.validate(today()).unwrap_err();
        assert!(
            e.0.iter()
                .any(|f| f.field == "birth_date" && f.key == "err-required")
        );
    }

    #[test]
    fn dates_in_office_formats() {
        let d = NaiveDate::from_ymd_opt(2020, 1, 25).unwrap();
        for raw in [
            "2020-01-25",
            "2020/1/25",
            "2020.1.25",
            "20200125",
            "2020年1月25日",
        ] {
            assert_eq!(parse_date(raw), Ok(d), "{raw}");
        }
    }
}
