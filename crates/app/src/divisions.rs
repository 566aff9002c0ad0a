//! Official division codes shipped with sanshe (NBS 2023, see `crates/app/data/README.md`), so a
//! coordinator sets up the area tree by picking districts, streets and communities, not typing.

use std::sync::OnceLock;

/// The data set's vintage, shown beside picked codes.
pub const VINTAGE: &str = "国家统计局统计用区划代码 2023";

/// One official division.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct Division {
    /// 6, 9 or 12 digits.
    pub code: &'static str,
    /// Official name.
    pub name: &'static str,
}

fn all() -> &'static [Division] {
    static ALL: OnceLock<Vec<Division>> = OnceLock::new();
    ALL.get_or_init(|| {
        include_str!("../data/divisions.csv")
            .lines()
            .filter_map(|l| {
                let (code, name) = l.split_once(',')?;
                Some(Division {
                    code,
                    name: name.trim_matches('"'),
                })
            })
            .collect()
    })
}

/// The division with this code.
pub fn get(code: &str) -> Option<Division> {
    let all = all();
    all.binary_search_by(|d| d.code.cmp(code))
        .ok()
        .map(|i| all[i])
}

/// The divisions one level below `code`: a province's prefecture cities (or, for the four
/// municipalities, their districts directly), a city's counties, a county's streets and towns,
/// a street's communities (shipped for Tianjin).
pub fn children(code: &str) -> Vec<Division> {
    let all = all();
    let kids = |prefix: &str, len: usize, skip: &dyn Fn(&str) -> bool| -> Vec<Division> {
        all.iter()
            .filter(|d| {
                d.code.len() == len && d.code.starts_with(prefix) && d.code != code && !skip(d.code)
            })
            .copied()
            .collect()
    };
    match code.len() {
        6 if code.ends_with("0000") => {
            let cities = kids(&code[..2], 6, &|c| {
                !c.ends_with("00") || c.ends_with("0000")
            });
            // Municipalities list 市辖区/县 as their "cities"; their districts are what people pick.
            if cities.iter().all(|c| c.name == "市辖区" || c.name == "县") {
                kids(&code[..2], 6, &|c| c.ends_with("00"))
            } else {
                cities
            }
        }
        6 if code.ends_with("00") => kids(&code[..4], 6, &|c| c.ends_with("00")),
        6 => kids(code, 9, &|_| false),
        9 => kids(code, 12, &|_| false),
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tianjin_lists_its_districts_directly() {
        let d = children("120000");
        assert_eq!(d.len(), 16, "{d:?}");
        assert!(d.iter().any(|x| x.code == "120104" && x.name == "南开区"));
    }

    #[test]
    fn streets_and_communities_below_a_district() {
        assert!(
            children("120104")
                .iter()
                .any(|x| x.code == "120104011" && x.name == "体育中心街道")
        );
        assert!(
            children("120112")
                .iter()
                .any(|x| x.code == "120112108" && x.name == "北闸口镇")
        );
        assert!(
            children("120101006")
                .iter()
                .any(|x| x.code == "120101006001" && x.name.contains("庆有西里"))
        );
    }

    #[test]
    fn other_provinces_go_through_their_cities() {
        let hebei = children("130000");
        assert!(hebei.iter().any(|c| c.code == "130100"), "石家庄市");
        assert!(!children("130100").is_empty());
        assert_eq!(get("120101").map(|d| d.name), Some("和平区"));
    }
}
