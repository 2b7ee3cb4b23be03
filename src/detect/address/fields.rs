//! Addresses kept in separate fields of one record: 省/市/区 columns and a detail column in
//! an export, `receiver_state`/`receiver_city`/…/`receiver_address` in an order API,
//! `province, city, district, detail` in a dump. The detail alone (`府前北路4号明珠公寓26幢1801`)
//! says little about where it is; joined with its fields it is a whole address, with parts.
//!
//! What a field holds is told by its name, and an admin field's value must also be a place
//! name of the gazetteer, whole: a `city` column of `杭州` counts, one of `3301` or `其他` does
//! not, so a field name never invents a place.

use super::gazetteer::admin_names;
use std::borrow::Cow;

/// What one field of a record holds of an address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum FieldRole {
    /// Several levels in one field (所在地区 `浙江省 杭州市 西湖区`).
    Region,
    Province,
    City,
    District,
    /// 街道, 乡镇 (Taobao's `receiver_town`).
    Town,
    /// The rest: street, number, building, room.
    Detail,
}

/// Admin fields in the order an address is written.
pub const ADMIN_ROLES: [FieldRole; 5] = [
    FieldRole::Region,
    FieldRole::Province,
    FieldRole::City,
    FieldRole::District,
    FieldRole::Town,
];

/// Words before or after the part's own name in a field name (`receiver_state`,
/// `收货省份`, `provinceName`, `city_name`), removed before the name is looked up.
const PREFIXES: &[&str] = &[
    "receiver",
    "recipient",
    "consignee",
    "buyer",
    "shipping",
    "shipto",
    "ship",
    "delivery",
    "recv",
    "to",
    "user",
    "customer",
    "contact",
    "home",
    "mailing",
    "billing",
    "address",
    "addr",
    "收货人",
    "收件人",
    "收货",
    "收件",
    "寄件人",
    "寄件",
    "买家",
    "客户",
    "所在",
    "所属",
    "地址",
];
const SUFFIXES: &[&str] = &["name", "名称", "名"];

/// Field names of each part, after `PREFIXES` and `SUFFIXES` are removed and ASCII is
/// lower-cased without separators.
const NAMES: &[(&str, FieldRole)] = &[
    ("region", FieldRole::Region),
    ("地区", FieldRole::Region),
    ("省市区", FieldRole::Region),
    ("省市县", FieldRole::Region),
    ("省市", FieldRole::Region),
    ("province", FieldRole::Province),
    ("prov", FieldRole::Province),
    ("state", FieldRole::Province),
    ("省", FieldRole::Province),
    ("省份", FieldRole::Province),
    ("city", FieldRole::City),
    ("市", FieldRole::City),
    ("城市", FieldRole::City),
    ("地市", FieldRole::City),
    ("district", FieldRole::District),
    ("county", FieldRole::District),
    ("area", FieldRole::District),
    ("区", FieldRole::District),
    ("县", FieldRole::District),
    ("区县", FieldRole::District),
    ("县区", FieldRole::District),
    ("区/县", FieldRole::District),
    ("town", FieldRole::Town),
    ("township", FieldRole::Town),
    ("街道", FieldRole::Town),
    ("乡镇", FieldRole::Town),
    ("镇", FieldRole::Town),
    ("乡镇街道", FieldRole::Town),
    ("detail", FieldRole::Detail),
    ("details", FieldRole::Detail),
    ("street", FieldRole::Detail),
    ("line1", FieldRole::Detail),
    ("详细", FieldRole::Detail),
    ("详细地址", FieldRole::Detail),
    ("街道地址", FieldRole::Detail),
    ("门牌", FieldRole::Detail),
    ("门牌号", FieldRole::Detail),
];

/// The part of an address a field named `name` holds, if its name says so. Detail fields
/// named by an address word (`收货地址`, `receiver_address`) are the caller's to add: the
/// detector's own words say those.
pub fn field_role(name: &str) -> Option<FieldRole> {
    if name.len() > 48 {
        return None;
    }
    let mut key: String = name
        .chars()
        .filter(|c| !matches!(c, '_' | '-' | ' ' | '.' | '(' | ')' | '（' | '）'))
        .map(|c| c.to_ascii_lowercase())
        .collect();
    let lookup = |key: &str| NAMES.iter().find(|(n, _)| *n == key).map(|&(_, role)| role);
    // The name as it is first (`town` is no `to` + `wn`), then without a prefix or a suffix
    // at a time: `receiver_city_name`, `收货人所在省份` take two.
    for _ in 0..3 {
        if let Some(role) = lookup(&key) {
            return Some(role);
        }
        let shorter = PREFIXES
            .iter()
            .find_map(|p| key.strip_prefix(p))
            .or_else(|| SUFFIXES.iter().find_map(|s| key.strip_suffix(s)))
            .filter(|rest| !rest.is_empty())?;
        key = shorter.to_string();
    }
    lookup(&key)
}

/// Whether `value` holds place names of the gazetteer and nothing else (spaces and `/`
/// between them): what an admin field must hold to count.
pub fn holds_only_places(value: &str) -> bool {
    let value = value.trim();
    if value.is_empty() || value.len() > 96 {
        return false;
    }
    let mut at = 0;
    for (start, end, _) in admin_names(value) {
        if start < at || !value[at..start].chars().all(|c| c.is_whitespace() || c == '/') {
            return false;
        }
        at = end;
    }
    at > 0 && value[at..].trim().is_empty()
}

/// Whether `detail` writes the place(s) of an admin field already, in full or short
/// (英山县 / 英山): the field then adds nothing.
pub fn written_in(detail: &str, value: &str) -> bool {
    let value = value.trim();
    let value: Cow<str> = if value.contains(char::is_whitespace) {
        Cow::Owned(value.split_whitespace().collect())
    } else {
        Cow::Borrowed(value)
    };
    detail.contains(&*value) || detail.contains(stem(&value))
}

/// The address written whole: the places of the admin fields, in order, that neither the
/// detail nor an earlier field writes, then the detail. `admin` holds the values of the
/// admin fields (any order, each checked with `holds_only_places`). Returns the text and the
/// byte where the detail starts in it; None when the fields add nothing to the detail.
pub fn join(admin: &[(FieldRole, &str)], detail: &str) -> Option<(String, usize)> {
    let detail = detail.trim();
    let mut joined = String::with_capacity(detail.len() + 40);
    for role in ADMIN_ROLES {
        for &(_, value) in admin.iter().filter(|(r, _)| *r == role) {
            // Place by place: 重庆市 重庆市 (a municipality's city repeats its province), a
            // region field naming the province field again, a detail that writes its county.
            for (start, end, _) in admin_names(value) {
                let place = &value[start..end];
                if !joined.contains(place) && !written_in(detail, place) {
                    joined.push_str(place);
                }
            }
        }
    }
    if joined.is_empty() {
        return None;
    }
    let at = joined.len();
    joined.push_str(detail);
    Some((joined, at))
}

/// A place name without its last character when that is a level word (黄冈市 → 黄冈), if
/// at least two characters remain; else the name.
fn stem(name: &str) -> &str {
    let mut chars = name.char_indices();
    match chars.next_back() {
        Some((at, c)) if "省市区县镇乡".contains(c) && name[..at].chars().count() >= 2 => &name[..at],
        _ => name,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_names_say_which_part_they_hold() {
        for (name, role) in [
            ("receiver_state", FieldRole::Province),
            ("province", FieldRole::Province),
            ("provinceName", FieldRole::Province),
            ("收货省份", FieldRole::Province),
            ("省", FieldRole::Province),
            ("receiver_city", FieldRole::City),
            ("城市", FieldRole::City),
            ("city_name", FieldRole::City),
            ("receiver_district", FieldRole::District),
            ("区县", FieldRole::District),
            ("County", FieldRole::District),
            ("receiver_town", FieldRole::Town),
            ("街道", FieldRole::Town),
            ("detail", FieldRole::Detail),
            ("address_detail", FieldRole::Detail),
            ("详细地址", FieldRole::Detail),
            ("所在地区", FieldRole::Region),
            ("town", FieldRole::Town),
            ("收货人所在省份", FieldRole::Province),
        ] {
            assert_eq!(field_role(name), Some(role), "{name}");
        }
        for name in [
            "receiver_address",
            "phone",
            "provinceId",
            "city_code",
            "status",
            "statement",
            "地址",
            "cityscape",
        ] {
            assert_eq!(field_role(name), None, "{name}");
        }
    }

    #[test]
    fn admin_values_are_place_names_and_nothing_else() {
        for value in [
            "浙江省",
            "浙江",
            "杭州市",
            "英山县",
            " 黄冈市 ",
            "北京市",
            "浙江省 杭州市 西湖区",
            "浙江省/杭州市",
        ] {
            assert!(holds_only_places(value), "{value}");
        }
        for value in [
            "",
            "其他",
            "3301",
            "西湖区文三路",
            "浙江省杭州市西湖区文三路1号",
            "未知",
            "杭州市 其他",
        ] {
            assert!(!holds_only_places(value), "{value}");
        }
    }

    #[test]
    fn the_detail_is_joined_after_the_parts_it_does_not_name() {
        let fields = [
            (FieldRole::District, "英山县"),
            (FieldRole::Province, "湖北省"),
            (FieldRole::City, "黄冈市"),
        ];
        assert_eq!(
            join(&fields, "府前北路4号明珠公寓26幢1801"),
            Some(("湖北省黄冈市英山县府前北路4号明珠公寓26幢1801".to_string(), 27))
        );
        // Municipalities write the province twice; a detail may name its county itself.
        let fields = [(FieldRole::Province, "重庆市"), (FieldRole::City, "重庆市")];
        assert_eq!(join(&fields, "陶路h座1806室").unwrap().0, "重庆市陶路h座1806室");
        let fields = [(FieldRole::City, "黄冈市"), (FieldRole::District, "英山县")];
        assert_eq!(join(&fields, "黄冈英山县城关镇1号").map(|j| j.0), None);
        assert!(written_in("黄冈英山县城关镇1号", "英山县") && !written_in("城关镇1号", "英山县"));
        // A region field: each of its places once, those the detail writes left out.
        let fields = [
            (FieldRole::Region, "浙江省 杭州市 西湖区"),
            (FieldRole::Province, "浙江省"),
        ];
        assert_eq!(
            join(&fields, "杭州市西湖区文三路1号").unwrap().0,
            "浙江省杭州市西湖区文三路1号"
        );
    }
}
