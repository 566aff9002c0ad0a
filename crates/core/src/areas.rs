//! The area tree: city › district › street/town › community › compound › building › unit.

use crate::spelling::spelled;

spelled! {
    /// A level of the area tree.
    #[derive(PartialOrd, Ord)]
    pub enum AreaKind("err-area-kind") {
        /// 市
        City = "city",
        /// 区/县
        District = "district",
        /// 街道/镇
        Street = "street",
        /// 社区/村
        Community = "community",
        /// 小区
        Compound = "compound",
        /// 楼
        Building = "building",
    }
}

impl AreaKind {
    /// The level directly below this one, if any.
    pub fn child(self) -> Option<AreaKind> {
        let i = Self::ALL.iter().position(|k| *k == self)?;
        Self::ALL.get(i + 1).copied()
    }

    /// Whether households may be registered directly in an area of this level.
    pub fn holds_households(self) -> bool {
        matches!(
            self,
            AreaKind::Community | AreaKind::Compound | AreaKind::Building
        )
    }
}

/// A checked area name: 1–60 characters after trimming.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AreaName(String);

impl AreaName {
    /// Parses a name.
    pub fn parse(raw: &str) -> Result<AreaName, &'static str> {
        match crate::text::required_line("name", raw, 60) {
            Ok(t) => Ok(AreaName(t)),
            Err(e) if e.key == "err-required" => Err("err-required"),
            Err(_) => Err("err-too-long"),
        }
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A division code: 6 digits (GB/T 2260), 9 (township) or 12 (NBS statistical code).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DivisionCode(String);

impl DivisionCode {
    /// Parses a code; hand-added communities have none, so callers treat empty as absent.
    pub fn parse(raw: &str) -> Result<DivisionCode, &'static str> {
        let t = raw.trim();
        if matches!(t.len(), 6 | 9 | 12) && t.bytes().all(|b| b.is_ascii_digit()) {
            Ok(DivisionCode(t.to_string()))
        } else {
            Err("err-division-code")
        }
    }

    /// The code.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A sort key that orders names the way people count: "2号楼" before "10号楼", "二区" before
/// "三区". Runs of digits and the Chinese numerals 一 to 十 compare as numbers.
pub fn natural_key(name: &str) -> Vec<(u8, u64, String)> {
    let mut key = Vec::new();
    let mut number: Option<u64> = None;
    let mut text = String::new();
    for c in name.chars() {
        if let Some(d) = c.to_digit(10) {
            if !text.is_empty() {
                key.push((1, 0, std::mem::take(&mut text)));
            }
            number = Some(
                number
                    .unwrap_or(0)
                    .saturating_mul(10)
                    .saturating_add(u64::from(d)),
            );
            continue;
        }
        if let Some(n) = number.take() {
            key.push((0, n, String::new()));
        }
        // The Chinese numerals one to ten, as they appear in compound names (一区, 二区 … 十区).
        match "一二三四五六七八九十".chars().position(|n| n == c) {
            Some(i) => {
                if !text.is_empty() {
                    key.push((1, 0, std::mem::take(&mut text)));
                }
                key.push((0, i as u64 + 1, String::new()));
            }
            None => text.push(c),
        }
    }
    if let Some(n) = number {
        key.push((0, n, String::new()));
    }
    if !text.is_empty() {
        key.push((1, 0, text));
    }
    key
}

/// `natural_key` of each part in turn, written as text that sorts byte by byte the same way,
/// so the database can order by it and page after it: "2号楼" before "10号楼", room "201"
/// before "1001". Numbers are twenty digits; bytes below every printable character mark a
/// number, a text and the end of a part, so a shorter part sorts first.
pub fn natural_sort_key(parts: &[&str]) -> String {
    const PART_END: char = '\u{1}';
    const NUMBER: char = '\u{2}';
    const TEXT: char = '\u{3}';
    let mut key = String::new();
    for part in parts {
        for (kind, number, text) in natural_key(part) {
            if kind == 0 {
                key.push(NUMBER);
                key.push_str(&format!("{number:020}"));
            } else {
                key.push(TEXT);
                key.extend(text.chars().filter(|c| !c.is_control()));
            }
        }
        key.push(PART_END);
    }
    key
}

/// The length of an area's id, and so of each step of a path: a path is the ids of the
/// area's ancestors and its own, joined.
pub const PATH_STEP: usize = 32;

/// The paths of an area's ancestors, from the root, and then its own path.
pub fn lineage(path: &str) -> impl DoubleEndedIterator<Item = &str> {
    (1..=path.len() / PATH_STEP).map(move |n| &path[..n * PATH_STEP])
}

/// The path of the compound an area lies in, or the area's own path when it lies above
/// compounds: where a building's name alone would say too little ("1号楼" is in every compound).
/// Each level lies directly below the one before (`AreaKind::child`), so a compound's path is
/// always as many steps long as compounds are deep.
pub fn compound_path(path: &str) -> &str {
    path_at(path, AreaKind::Compound)
}

/// The path of the area of `kind` that the area at `path` lies in, or its own path when it lies
/// at or above that level: a gate's community, found from its compound's path.
pub fn path_at(path: &str, kind: AreaKind) -> &str {
    let depth = AreaKind::ALL.iter().position(|k| *k == kind).unwrap_or(0) + 1;
    lineage(path).take(depth).last().unwrap_or(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_building_is_placed_by_its_compound_and_a_community_by_itself() {
        let step = |c: char| c.to_string().repeat(PATH_STEP);
        let community: String = "abcd".chars().map(step).collect();
        let compound = format!("{community}{}", step('e'));
        let building = format!("{compound}{}", step('f'));
        assert_eq!(compound_path(&building), compound);
        assert_eq!(compound_path(&compound), compound);
        assert_eq!(path_at(&building, AreaKind::Community), community);
        assert_eq!(path_at(&community, AreaKind::Compound), community);
        assert_eq!(compound_path(&community), community);
    }

    #[test]
    fn a_path_s_lineage_is_its_ancestors_then_itself() {
        let (a, b) = ("a".repeat(PATH_STEP), "b".repeat(PATH_STEP));
        let path = format!("{a}{b}");
        let steps: Vec<&str> = lineage(&path).collect();
        assert_eq!(steps, [a.as_str(), path.as_str()]);
        assert_eq!(lineage("").count(), 0);
    }

    #[test]
    fn names_sort_the_way_people_count() {
        let mut v = vec![
            "10号楼",
            "2号楼",
            "1号楼",
            "凌研里三区",
            "凌研里一区",
            "凌研里二区",
        ];
        v.sort_by_key(|n| natural_key(n));
        assert_eq!(
            v,
            [
                "1号楼",
                "2号楼",
                "10号楼",
                "凌研里一区",
                "凌研里二区",
                "凌研里三区"
            ]
        );
    }

    #[test]
    fn the_database_key_sorts_as_people_count() {
        let addresses = [
            ["1号楼", "1单元", "101"],
            ["1号楼", "1单元", "201"],
            ["1号楼", "1单元", "1001"],
            ["1号楼", "2单元", "101"],
            ["1号楼A", "1单元", "101"],
            ["2号楼", "1单元", "101"],
            ["10号楼", "1单元", "101"],
            ["十号楼", "1单元", "102"],
        ];
        let mut shuffled = addresses;
        shuffled.reverse();
        shuffled.sort_by_key(|a| natural_sort_key(a));
        assert_eq!(shuffled, addresses);
        // The key agrees with the in-memory order wherever both are used.
        let mut names = [
            "凌研里三区",
            "凌研里二区",
            "凌研里一区",
            "凌研里",
            "凌研里 一区",
        ];
        let mut by_key = names;
        names.sort_by_key(|n| natural_key(n));
        by_key.sort_by_key(|n| natural_sort_key(&[n]));
        assert_eq!(by_key, names);
    }

    #[test]
    fn levels_nest_in_order() {
        assert_eq!(AreaKind::Street.child(), Some(AreaKind::Community));
        assert_eq!(AreaKind::Building.child(), None);
        assert!(AreaKind::Compound.holds_households());
        assert!(!AreaKind::Street.holds_households());
    }

    #[test]
    fn codes_have_official_lengths() {
        assert!(DivisionCode::parse("120104011").is_ok());
        assert!(DivisionCode::parse("1201040").is_err());
    }
}
