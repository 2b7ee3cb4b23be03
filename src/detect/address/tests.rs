//! The matcher's behaviour on kinds of text: free text, labelled cells and clauses.

use super::*;

fn find(text: &str, labelled: bool) -> Vec<(String, f32, Parts)> {
    let m = AddressMatcher::new();
    let mut out = Vec::new();
    m.find(text, labelled, &mut Vec::new(), &mut out);
    // As the caller scores them: a header or a label adds the context boost.
    for h in &mut out {
        if labelled || h.labelled {
            h.confidence += 0.3;
        }
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
        "送到",
        "地址：",
        "这个能送到吗",
        "谢谢",
        "之三",
        "、",
        "/",
        "月",
        "村",
        "有限公司",
        "旗舰店",
        "(310000)",
        "1234567",
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
        for labelled in [false, true] {
            out.clear();
            matcher.find(&text, labelled, &mut anchors, &mut out);
            for hit in &out {
                assert!(text.get(hit.start..hit.end).is_some(), "{text:?}: {hit:?}");
            }
        }
    }
}

#[test]
fn building_unit_room_triple() {
    let hits = find("辽宁省铁岭市调兵山市振兴北路390号和谐花苑4-3-804", false);
    assert_eq!(hits[0].0, "辽宁省铁岭市调兵山市振兴北路390号和谐花苑4-3-804");
}

/// The values reported (confidence at least 0.5, as the caller scores them).
fn reported(text: &str, labelled: bool) -> Vec<String> {
    find(text, labelled)
        .into_iter()
        .filter(|h| h.1 >= 0.5)
        .map(|h| h.0)
        .collect()
}

#[test]
fn labelled_cells_are_taken_whole_without_a_household() {
    // Company, workshop and village addresses reach no numbered unit.
    for cell in [
        "江苏省苏州市吴江区盛泽镇南麻村华丰织造厂",
        "余杭区良渚街道玉鸟路工业区",
        "嘉兴市南湖区余新镇湘家荡村",
        "宁波市北仑区大碶街道某某模具有限公司",
        "  胜利东大街424号馨园府29号楼4单元806  ",
    ] {
        assert_eq!(reported(cell, true), [cell.trim()], "{cell}");
    }
    let hits = find("江苏省苏州市吴江区盛泽镇南麻村华丰织造厂", true);
    assert_eq!(hits[0].2.province, Some("江苏省"));
    assert_eq!(hits[0].2.district, Some("吴江区"));
    // A postcode in brackets and a repeated label are not part of the value.
    assert_eq!(
        reported("杭州市余杭区良渚街道玉鸟路8号 (311113)", true),
        ["杭州市余杭区良渚街道玉鸟路8号"]
    );
    assert_eq!(
        reported("收货地址：南京市鼓楼区中山北路100号（210009）", true),
        ["南京市鼓楼区中山北路100号"]
    );
}

#[test]
fn labelled_cells_that_are_not_places() {
    // Regions, names, statuses, phones, product titles and shop names under an address
    // header are no addresses.
    for cell in [
        "浙江省 杭州市 西湖区",
        "江苏省南京市",
        "张伟",
        "已发货",
        "13812345678",
        "西湖龙井茶叶明前特级250g礼盒装",
        "杭州西湖区旗舰店",
        "-",
        "null",
    ] {
        assert!(reported(cell, true).is_empty(), "{cell}: {:?}", find(cell, true));
    }
}

#[test]
fn a_cell_of_several_fields_is_read_as_text() {
    // A name and a phone next to the address: the address alone is reported.
    assert_eq!(
        reported("张伟 13812345678 杭州市西湖区文三路100号", true),
        ["杭州市西湖区文三路100号"]
    );
}

#[test]
fn labelled_chat_lines() {
    for (line, value) in [
        (
            "[2024/5/1 10:00] 买家> 送到嘉兴市南湖区余新镇湘家荡村58号，到了打电话",
            "嘉兴市南湖区余新镇湘家荡村58号",
        ),
        (
            "买家> 新地址 绍兴市柯桥区漓渚镇蜀阜村 谢谢亲",
            "绍兴市柯桥区漓渚镇蜀阜村",
        ),
        (
            "地址填错了，应该是温州市瓯海区娄桥工业区宏达鞋材厂",
            "温州市瓯海区娄桥工业区宏达鞋材厂",
        ),
        (
            "台州市黄岩区北城街道横街村新民路 这个能送到吗",
            "台州市黄岩区北城街道横街村新民路",
        ),
        (
            "帮我改一下地址：金华市金东区塘汇街道联盛路88号之三702",
            "金华市金东区塘汇街道联盛路88号之三702",
        ),
        (
            "麻烦发这个地址 衢州市柯城区荷花街道某某物流园B区",
            "衢州市柯城区荷花街道某某物流园B区",
        ),
        ("寄到丽水市莲都区紫金街道丽阳门村", "丽水市莲都区紫金街道丽阳门村"),
    ] {
        assert_eq!(reported(line, false), [value], "{line}: {:?}", find(line, false));
    }
}

#[test]
fn labels_leading_into_no_address() {
    // 送到 and 地址 lead into rooms, times and sentences as often as into addresses.
    for line in [
        "半个小时就送到了，味道不错",
        "送到房间里，服务很好",
        "前台帮我改成大床房",
        "送到北京的时候已经凉了",
        "外卖不送到大厦门口而是放在楼下等人拿",
        "在强烈要求下才送到3号航站楼",
        "说没有地址，不知道在几楼",
        "送到么地道和尖沙嘴的北京道",
        "送到离大堂斜对面三栋别墅的路上",
    ] {
        assert!(
            reported(line, false).is_empty(),
            "{line}: {:?}",
            find(line, false)
        );
    }
}

#[test]
fn spans_end_where_the_address_ends() {
    for (text, value) in [
        (
            "我家在杭州市拱墅区幸福路188号之三702",
            "杭州市拱墅区幸福路188号之三702",
        ),
        ("放在杭州市上城区人民路56号后门", "杭州市上城区人民路56号后门"),
        (
            "寄到杭州市上城区人民路56号门口，谢谢亲",
            "杭州市上城区人民路56号门口",
        ),
        (
            "杭州市滨江区长河路59号对面超市代收 谢谢",
            "杭州市滨江区长河路59号对面超市代收",
        ),
    ] {
        assert_eq!(reported(text, false), [value], "{text}: {:?}", find(text, false));
    }
}

#[test]
fn numbers_that_are_no_house_numbers() {
    // Days of the month, metro and bus lines, floors without a street, numbered objects,
    // @mentions, rooms, seats and tables, counts and ordinals in reviews.
    for text in [
        "怎么21号才送到，都凉了",
        "依旧是8月16号的生产日期",
        "周六3号到的杭州",
        "离北京地铁2号线很近",
        "坐10路公交就到杭州西湖",
        "我们在玄武饭店6楼吃的早餐",
        "前台说在3楼",
        "存放在三号黄金库",
        "货放在2号库",
        "去杭州市民中心3号窗口办理",
        "@宁波19楼 @杭州19楼 转发",
        "房间是8楼，很安静",
        "1号桌的客人先上菜",
        "酒店在罗湖万象城附近一栋大楼里",
        "离开封第一楼很近",
        "非常感谢您把本酒店作为大连之行的驿站",
        "还把餐给了门卫",
        "订的是厦门宾馆的5号楼",
        "两室一厅，3室2厅的房子",
    ] {
        assert!(
            reported(text, false).is_empty(),
            "{text}: {:?}",
            find(text, false)
        );
    }
    // With a road, the same numbers are an address.
    assert_eq!(
        reported("浙江省宁波市海曙区中山西路19号6楼", false),
        ["浙江省宁波市海曙区中山西路19号6楼"]
    );
}

#[test]
fn towns_resolve_the_levels_not_written() {
    // 良渚街道 is one town in the country: its district, city and province follow.
    let hits = find("收货地址：良渚街道玉鸟路8号2幢301室", false);
    assert_eq!(hits.len(), 1, "{hits:?}");
    let parts = &hits[0].2;
    assert_eq!(parts.town, Some("良渚街道"));
    assert_eq!(parts.district, Some("余杭区"));
    assert_eq!(parts.city, Some("杭州市"));
    assert_eq!(parts.province, Some("浙江省"));
    // 城关镇 is in many counties: only the written names count.
    let hits = find("送到河南省城关镇人民路5号", false);
    assert_eq!(hits[0].2.province, Some("河南省"));
    assert_eq!(hits[0].2.town, None);
    // A town of another county than the one written is not taken.
    let hits = find("寄到西湖区良渚街道玉鸟路8号", false);
    assert_eq!(hits[0].2.district, Some("西湖区"));
    assert_eq!(hits[0].2.town, None);
    // A municipality's town.
    let hits = find("地址：北京市朝阳区三里屯街道工体北路8号1单元", false);
    assert_eq!(hits[0].2.town, Some("三里屯街道"));
    assert_eq!(hits[0].2.city, Some("北京市"));
    // A town counts as an admin level in free text.
    let hits = find("良渚街道玉鸟路8号2幢301室", false);
    assert!(hits[0].1 >= 0.5, "{hits:?}");
}
