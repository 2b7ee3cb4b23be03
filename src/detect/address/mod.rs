//! Chinese postal addresses: find spans that reach a household, resolve province, city and
//! district.
//!
//! Addresses have no checksum and place names are everywhere (西湖龙井, 新疆棉, shop names,
//! logistics traces), so a span is reported only when its structure reaches a household: a
//! number with a unit (号, 室, 栋, 单元, 座, 组 …), a building letter (B座) or a `4-3-804`
//! triple. Admin names from the gazetteer (historical GB/T 2260 names plus short forms), a road
//! and an estate raise confidence; a column header or label naming an address lowers the bar.
//! Spans stop at punctuation, brackets and field labels (电话, 收货人 …); labels are context,
//! not part of the value.
//!
//! Deliberately not done here: English addresses, checking that the admin chain is
//! consistent (real exports contain inconsistent and invented chains that are still
//! addresses), parsing below the county beyond these structural cues.

mod gazetteer;
mod strict;

use aho_corasick::AhoCorasick;
pub use gazetteer::Level;

/// Province, city and district an address resolves to (any may be unknown).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Parts {
    pub province: Option<&'static str>,
    pub city: Option<&'static str>,
    pub district: Option<&'static str>,
}

/// One address found in a text.
#[derive(Debug, Clone, PartialEq)]
pub struct AddressHit {
    pub start: usize,
    pub end: usize,
    pub confidence: f32,
    pub parts: Parts,
}

/// Words that mark a household: the address must reach one of them.
const HOUSEHOLD_UNITS: &[&str] = &[
    "号", "室", "栋", "幢", "座", "单元", "号楼", "楼", "层", "户", "组", "弄", "号院",
];
/// Places where parcels are handed over (campus and community pickup points): as good as a
/// household for a delivery address, though unnumbered.
const PICKUP_POINTS: &[&str] = &[
    "菜鸟驿站",
    "驿站",
    "快递点",
    "快递柜",
    "丰巢",
    "代收点",
    "代收",
    "收发室",
    "传达室",
    "门卫室",
    "门卫",
];
/// Road-level words.
const ROADS: &[&str] = &["路", "街", "大街", "大道", "巷", "胡同", "道", "里", "弄"];
/// Estates and landmarks where people live or receive parcels.
const ESTATES: &[&str] = &[
    "小区", "花园", "苑", "公寓", "大厦", "广场", "家园", "新村", "嘉园", "华庭", "名邸", "府", "园区",
    "校区", "宿舍", "驿站", "商铺", "超市", "村", "社区", "大院", "山庄", "城", "里", "中心",
];
/// Field labels that end a span (the next field starts) or that lead into one.
const LABELS: &[&str] = &[
    "电话",
    "手机",
    "收货人",
    "收件人",
    "联系人",
    "联系方式",
    "姓名",
    "邮编",
    "邮政编码",
    "备注",
    "订单",
    "身份证",
    "邮箱",
    "快递",
    "运单",
    "地址",
    "收货地址",
    "收件地址",
    "详细地址",
    "住址",
    "家庭住址",
    "寄到",
    "送到",
    "发到",
    "改到",
    "改成",
    "地址是",
    "地址为",
];

/// Compiled address matcher (shared by all threads).
pub struct AddressMatcher {
    units: AhoCorasick,
    pickups: AhoCorasick,
    /// Units and pickup points together: one pass over long texts.
    anchor_words: AhoCorasick,
    roads: AhoCorasick,
    estates: AhoCorasick,
    labels: AhoCorasick,
}

impl std::fmt::Debug for AddressMatcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AddressMatcher")
    }
}

impl Default for AddressMatcher {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn find(text: &str, labelled: bool) -> Vec<(String, f32, Parts)> {
        let m = AddressMatcher::new();
        let mut out = Vec::new();
        m.find(text, &mut Vec::new(), &mut out);
        if labelled {
            out.iter_mut().for_each(|h| h.confidence += 0.3);
        }
        out.into_iter()
            .map(|h| (text[h.start..h.end].to_string(), h.confidence, h.parts))
            .collect()
    }

    #[test]
    fn labelled_full_address_with_room() {
        let hits = find(
            "收货地址：浙江省杭州市西湖区文三路477号华星科技大厦3幢501室，电话13812345678",
            false,
        );
        assert_eq!(hits.len(), 1);
        assert_eq!(hits[0].0, "浙江省杭州市西湖区文三路477号华星科技大厦3幢501室");
        assert!(hits[0].1 >= 0.85);
        assert_eq!(hits[0].2.province, Some("浙江省"));
        assert_eq!(hits[0].2.city, Some("杭州市"));
        assert_eq!(hits[0].2.district, Some("西湖区"));
    }

    #[test]
    fn spaced_export_address_and_village_group() {
        let hits = find(
            "甘肃省 定西市 岷县 长安镇 书院北大街972号绿地小区2栋2308室",
            false,
        );
        assert_eq!(
            hits[0].0,
            "甘肃省 定西市 岷县 长安镇 书院北大街972号绿地小区2栋2308室"
        );
        let hits = find("广东省 梅州市 梅江区 东岗镇 北山乡孙家村5组72号", false);
        assert_eq!(hits.len(), 1);
    }

    #[test]
    fn road_named_after_a_province_in_another_city() {
        // 北京路 in 广州: the road is not a province; the chain still resolves to 广州.
        let hits = find("广州市越秀区北京路128号", false);
        assert_eq!(hits.len(), 1);
        assert_eq!(hits[0].2.city, Some("广州市"));
        assert_eq!(hits[0].2.province, None);
        assert_eq!(hits[0].2.district, Some("越秀区"));
    }

    #[test]
    fn not_addresses() {
        // Product titles, logistics traces and bare place names reach no household.
        for text in [
            "西湖龙井茶叶明前特级250g礼盒装",
            "【杭州市】快件已到达 杭州转运中心",
            "新疆棉短袖T恤男宽松潮流",
            "浙江省杭州市",
            "云南普洱茶熟茶357g饼",
            "婴儿纸尿裤L码84片（升级款）",
        ] {
            assert!(
                find(text, false).iter().all(|h| h.1 < 0.5),
                "{text}: {:?}",
                find(text, false)
            );
        }
    }

    #[test]
    fn detail_only_addresses_need_a_label() {
        let text = "胜利东大街424号馨园府29号楼4单元806";
        assert!(find(text, true)[0].1 >= 0.5);
        assert!(
            find(text, false)[0].1 >= 0.5,
            "road + estate + rooms is an address"
        );
        assert!(find("3号", false).is_empty());
    }

    #[test]
    fn hong_kong_macau_taiwan_by_top_level_name_and_street() {
        // Top-level name plus street structure (issue 4: at least this for HK/MO/TW).
        let hits = find("香港九龙旺角弥敦道688号5楼", false);
        assert_eq!(hits.len(), 1, "{hits:?}");
        assert!(hits[0].1 >= 0.5);
        assert_eq!(hits[0].2.province, Some("香港特别行政区"));
        let hits = find("台湾省台北市信义区忠孝东路五段68号", false);
        assert_eq!(hits.len(), 1, "{hits:?}");
        assert!(hits[0].1 >= 0.5);
    }

    #[test]
    fn county_level_cities_and_missing_province() {
        // 昆山市 is a county-level city under 苏州: no province written, still resolved.
        let hits = find("苏州市昆山市前进西路1801号2幢1203室", false);
        assert_eq!(hits[0].2.city, Some("苏州市"));
        assert_eq!(hits[0].2.district, Some("昆山市"));
        assert!(hits[0].1 >= 0.85);
    }

    #[test]
    fn region_cells_and_place_names_alone_are_not_addresses() {
        // A column of province names (a region column), a city with a district: no household.
        for text in [
            "浙江省",
            "广东省 深圳市 南山区",
            "北京市朝阳区",
            "杭州西湖区旗舰店",
        ] {
            assert!(find(text, true).is_empty(), "{text}");
        }
    }

    #[test]
    fn hostile_text_never_panics() {
        // Regressions (review): a label before the unit moved the span start, and an admin
        // name after the household made start > end.
        for text in [
            "3号楼十台湾",
            "丰巢栋香港",
            "501室一朝阳区",
            "xb组.九龙",
            ".国手机快递柜行",
        ] {
            let _ = find(text, false);
        }
        // Random mixes of the words the matcher looks for, digits and delimiters.
        let pieces = [
            "号",
            "室",
            "栋",
            "单元",
            "组",
            "快递柜",
            "驿站",
            "手机",
            "地址",
            "收货人",
            "台湾",
            "北京市",
            "朝阳区",
            "路",
            "街",
            "小区",
            "3",
            "12",
            "A",
            "-",
            "，",
            ".",
            " ",
            "（",
            "）",
            "\n",
            "十",
            "省",
            "县",
        ];
        let matcher = AddressMatcher::new();
        let (mut anchors, mut out) = (Vec::new(), Vec::new());
        let mut seed: u64 = 7;
        for _ in 0..20_000 {
            let mut text = String::new();
            for _ in 0..12 {
                seed = seed
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                text.push_str(pieces[(seed >> 33) as usize % pieces.len()]);
            }
            out.clear();
            matcher.find(&text, &mut anchors, &mut out);
            for hit in &out {
                assert!(text.get(hit.start..hit.end).is_some(), "{text:?}: {hit:?}");
            }
        }
    }

    #[test]
    fn building_unit_room_triple() {
        let hits = find("辽宁省铁岭市调兵山市振兴北路390号和谐花苑4-3-804", false);
        assert_eq!(hits[0].0, "辽宁省铁岭市调兵山市振兴北路390号和谐花苑4-3-804");
    }
}
