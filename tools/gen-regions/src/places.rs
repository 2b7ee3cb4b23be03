//! Builds `data/cn_places.tsv`: the administrative place names an address detector matches
//! (province, prefecture and county level; official names and the short forms written in
//! addresses), each with its GB/T 2260 code and its parents' codes where known.
//!
//! Sources, all through public APIs:
//!
//! * every name each code had in the GB/T 2260 union (china-citizen-id's 1980–2022 snapshots and
//!   gb2260's 2002–2016 revisions plus Hong Kong and Macao), collected by `main`;
//! * the `cpca` crate's current snapshot (2025–26): `AddressParser::provinces`,
//!   `cities_of_province` and `districts_of_city`, each combination checked with
//!   `AddressParser::validate` (only `Current` and `Historical` kept, so parks, farms and old
//!   management areas such as 松山湖 are left out). cpca has no codes: a name is given the code of
//!   the union entry with the same name under the same parent, else `-`;
//!
//! The short-form rules are in [`province_short`], [`prefecture_short`] and [`county_short`].

use std::collections::{BTreeMap, BTreeSet};

/// Province-level prefixes of the four municipalities: their xx01xx/xx02xx prefecture codes
/// are placeholders (市辖区, 县), so their districts' prefecture is the municipality itself.
const MUNICIPALITIES: [u32; 4] = [11, 12, 31, 50];

/// County stems that are everyday words, shop or product words, or generic descriptions, so a
/// hit on them alone says nothing (detectors.md §4.5: 西湖龙井, 朝阳红; 小店, 商城, 杨梅, 马尾,
/// 天台, 同仁, 长子 ...). Made by hand: the candidate stems were reviewed against the jieba
/// dictionary (those it tags as common nouns, verbs or adjectives, or lists as frequent) and the
/// everyday words among them kept here. The dictionary itself is not used: it tags many county
/// names as common nouns (顺义, 常熟, 即墨) and gives others odd frequencies.
const STEM_DENY: [&str; 214] = [
    "西湖",
    "朝阳",
    "龙井",
    "长寿",
    "榆树",
    "龙凤",
    "鼓楼",
    "钟楼",
    "离岛",
    "大堂",
    "新建",
    "温泉",
    "天桥",
    "牡丹",
    "吉利",
    "白玉",
    "元宝",
    "宝塔",
    "兴隆",
    "太平",
    "红旗",
    "向阳",
    "海岛",
    "资源",
    "合作",
    "武功",
    "平原",
    "将军",
    "比如",
    "南部",
    "解放",
    "公园",
    "东方",
    "东方红",
    "动力",
    "前进",
    "中原",
    "公安",
    "友好",
    "通道",
    "共和",
    "友谊",
    "平安",
    "中方",
    "凤凰",
    "延长",
    "光明",
    "运河",
    "先锋",
    "四方",
    "四方台",
    "万年",
    "东风",
    "淡水",
    "光泽",
    "南岸",
    "会同",
    "工农",
    "大名",
    "富裕",
    "万里",
    "前锋",
    "长子",
    "清新",
    "宏伟",
    "观音",
    "平定",
    "芙蓉",
    "洞口",
    "大树",
    "三元",
    "振兴",
    "露天",
    "大方",
    "互助",
    "莲花",
    "平和",
    "名山",
    "大观",
    "二七",
    "台前",
    "太保",
    "石棉",
    "丰满",
    "双桥",
    "高台",
    "二道",
    "三重",
    "无为",
    "民权",
    "小店",
    "同心",
    "平房",
    "太白",
    "西郊",
    "东郊",
    "灯塔",
    "天涯",
    "海棠",
    "回民",
    "桥头",
    "江岸",
    "安居",
    "黑水",
    "盐水",
    "海盐",
    "麒麟",
    "新民",
    "富民",
    "惠民",
    "爱民",
    "清流",
    "紫金",
    "信义",
    "仁爱",
    "博爱",
    "升平",
    "天台",
    "天心",
    "开化",
    "天元",
    "天柱",
    "方山",
    "官田",
    "兴业",
    "铜鼓",
    "三台",
    "八里",
    "九里",
    "板桥",
    "三水",
    "石鼓",
    "盐井",
    "集贤",
    "双塔",
    "大化",
    "政和",
    "市北",
    "市南",
    "鸡冠",
    "天长",
    "大社",
    "莲池",
    "八步",
    "大竹",
    "大肚",
    "牧野",
    "下营",
    "城厢",
    "新屋",
    "五股",
    "东光",
    "平远",
    "竞秀",
    "钢城",
    "秀峰",
    "新营",
    "三民",
    "合水",
    "八德",
    "五营",
    "双牌",
    "大洼",
    "商城",
    "永年",
    "双城",
    "金水",
    "高明",
    "中和",
    "开元",
    "红星",
    "方正",
    "安乐",
    "同仁",
    "三江",
    "七星",
    "木兰",
    "卧龙",
    "盘龙",
    "三山",
    "马尾",
    "半山",
    "湖滨",
    "滨湖",
    "白沙",
    "金沙",
    "玉泉",
    "龙城",
    "延寿",
    "永兴",
    "和顺",
    "新安",
    "金牛",
    "白塔",
    "杨梅",
    "六甲",
    "古塔",
    "大雅",
    "荷塘",
    "嘉禾",
    "平川",
    "红山",
    "新店",
    "大溪",
    "云台",
    "乐安",
    "永福",
    "长乐",
    "安南",
    "安国",
    "长兴",
    "无极",
    "新星",
    "平城",
];

/// A stem made only of these characters is a generic description (北门, 城南, 河口, 江北,
/// 上街, 海港), not a name, even when it is a county's name.
const GENERIC_CHARS: &str = "东西南北中上下前后内外大小新老古城门关港湾河江湖海山岭桥街路口";

/// Official names that are generic words and mean nothing without their city: 郊区 (83
/// codes over the years), 城区, 市区, 矿区, the compass districts (香港东区 ...), and 一区/二区.
const GENERIC_FULL: [&str; 12] = [
    "郊区", "城区", "市区", "新区", "矿区", "东区", "西区", "南区", "北区", "中区", "一区", "二区",
];

/// Extra province short forms that no suffix rule gives.
const PROVINCE_EXTRA: [(&str, u32); 1] = [("内蒙", 150000)];

/// Minority names as they appear inside names of autonomous divisions, longest first where
/// one is a suffix of another. Bare forms (蒙古, 哈萨克 ...) occur without 族 in some names
/// (博尔塔拉蒙古自治州, 察布查尔锡伯自治县); 各族 is in 龙胜各族自治县 and 隆林各族自治县.
const ETHNIC: [&str; 64] = [
    "维吾尔族",
    "哈萨克族",
    "柯尔克孜族",
    "达斡尔族",
    "乌孜别克族",
    "俄罗斯族",
    "鄂温克族",
    "塔吉克族",
    "塔塔尔族",
    "鄂伦春族",
    "蒙古族",
    "布依族",
    "朝鲜族",
    "土家族",
    "哈尼族",
    "傈僳族",
    "高山族",
    "拉祜族",
    "东乡族",
    "纳西族",
    "景颇族",
    "仫佬族",
    "布朗族",
    "撒拉族",
    "毛南族",
    "仡佬族",
    "阿昌族",
    "普米族",
    "德昂族",
    "保安族",
    "裕固族",
    "独龙族",
    "赫哲族",
    "门巴族",
    "珞巴族",
    "基诺族",
    "锡伯族",
    "壮族",
    "回族",
    "藏族",
    "苗族",
    "彝族",
    "满族",
    "侗族",
    "瑶族",
    "白族",
    "傣族",
    "黎族",
    "佤族",
    "畲族",
    "水族",
    "土族",
    "羌族",
    "怒族",
    "京族",
    "维吾尔",
    "哈萨克",
    "柯尔克孜",
    "塔吉克",
    "鄂伦春",
    "蒙古",
    "锡伯",
    "各族",
    "达斡尔",
];

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
pub enum Level {
    Province,
    Prefecture,
    County,
}

impl Level {
    fn as_str(self) -> &'static str {
        match self {
            Level::Province => "province",
            Level::Prefecture => "prefecture",
            Level::County => "county",
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
pub enum Kind {
    Full,
    Short,
}

/// One place: name, level, own code, province code, prefecture code.
type Key = (String, Level, Option<u32>, Option<u32>, Option<u32>);

fn chars(s: &str) -> usize {
    s.chars().count()
}

/// Names in the code tables that are not places: grouping placeholders and descriptions.
fn placeholder(name: &str) -> bool {
    name == "-"
        || name == "市辖区"
        || name == "县"
        || name.contains("直辖")
        || name.contains("行政单位")
        || name.contains('的')
        || chars(name) < 2
        || GENERIC_FULL.contains(&name)
}

fn level_of(code: u32) -> Level {
    if code.is_multiple_of(10_000) {
        Level::Province
    } else if code.is_multiple_of(100) {
        Level::Prefecture
    } else {
        Level::County
    }
}

/// `name` without `suffix`, when at least `min` characters remain.
fn strip<'a>(name: &'a str, suffix: &str, min: usize) -> Option<&'a str> {
    name.strip_suffix(suffix).filter(|s| chars(s) >= min)
}

/// Removes minority names from the end while at least two characters remain; a stem that is
/// itself one minority name loses only its 族 (鄂温克族自治旗 -> 鄂温克).
fn strip_ethnic(mut stem: &str) -> String {
    while let Some(s) = ETHNIC.iter().find_map(|e| strip(stem, e, 2)) {
        stem = s;
    }
    if ETHNIC.contains(&stem) {
        if let Some(s) = strip(stem, "族", 2) {
            return s.to_string();
        }
    }
    stem.to_string()
}

/// 浙江省 -> 浙江, 北京市 -> 北京, 广西壮族自治区 -> 广西, 香港特别行政区 -> 香港.
pub fn province_short(name: &str) -> Vec<String> {
    if let Some(s) = strip(name, "特别行政区", 2) {
        return vec![s.to_string()];
    }
    if let Some(s) = strip(name, "自治区", 2) {
        return vec![strip_ethnic(s)];
    }
    ["省", "市"]
        .iter()
        .find_map(|suf| strip(name, suf, 2))
        .map(|s| vec![s.to_string()])
        .unwrap_or_default()
}

/// 杭州市 -> 杭州, 阿里地区 -> 阿里, 兴安盟 -> 兴安, 恩施土家族苗族自治州 -> 恩施 and 恩施州;
/// Taiwan's counties, which cpca lists at this level: 云林县 -> 云林.
pub fn prefecture_short(name: &str) -> Vec<String> {
    if let Some(s) = strip(name, "自治州", 2) {
        let stem = strip_ethnic(s);
        let zhou = format!("{stem}州");
        return vec![stem, zhou];
    }
    ["地区", "市", "盟", "县"]
        .iter()
        .find_map(|suf| strip(name, suf, 2))
        .map(|s| vec![s.to_string()])
        .unwrap_or_default()
}

/// County short forms before the common-word filter: `(short, is_bare_stem)`.
/// 兰坪白族普米族自治县 -> 兰坪县 (kept as is) and 兰坪 (a stem); 西湖区 -> 西湖 (a stem);
/// 神农架林区 -> 神农架; 浦东新区 -> 浦东. Names ending in 乡/镇/街道 get none.
pub fn county_short(name: &str) -> Vec<(String, bool)> {
    for (suf, unit) in [("自治县", "县"), ("自治旗", "旗")] {
        if let Some(s) = name.strip_suffix(suf) {
            let stem = strip_ethnic(s);
            let mut out = vec![(format!("{stem}{unit}"), false)];
            if chars(&stem) >= 2 {
                out.push((stem, true));
            }
            return out;
        }
    }
    for suf in ["新区", "林区", "特区", "矿区", "县", "区", "市", "旗"] {
        if let Some(stem) = name.strip_suffix(suf) {
            // 科尔沁右翼前旗 -> 科尔沁右翼前 is not how anyone writes it.
            let banner_part =
                suf == "旗" && (stem.ends_with(['前', '中', '后', '左', '右']) || stem.ends_with("联合"));
            if chars(stem) >= 2 && !banner_part {
                return vec![(stem.to_string(), true)];
            }
            return Vec::new();
        }
    }
    Vec::new()
}

/// Why a county stem was left out (for the generator's summary).
#[derive(Default, Debug)]
pub struct StemStats {
    pub kept: usize,
    pub ambiguous: usize,
    pub higher_level: usize,
    pub common_word: usize,
    pub generic: usize,
}

pub struct Places {
    pub rows: BTreeMap<Key, Kind>,
    pub stems: StemStats,
    pub cpca_names: usize,
    pub cpca_uncoded: usize,
    pub cpca_skipped: Vec<String>,
}

/// `names`: every GB/T 2260 code with every name it had and the newest year of each.
pub fn build(names: &BTreeMap<u32, BTreeMap<&'static str, u16>>) -> Places {
    let real = |code: u32| {
        names
            .get(&code)
            .is_some_and(|m| m.keys().any(|n| !placeholder(n)))
    };
    let parents = |code: u32| -> (Option<u32>, Option<u32>) {
        let prov = code / 10_000 * 10_000;
        match level_of(code) {
            Level::Province => (None, None),
            Level::Prefecture => (Some(prov), None),
            Level::County => {
                let pref = code / 100 * 100;
                if pref != prov && real(pref) {
                    (Some(prov), Some(pref))
                } else if MUNICIPALITIES.contains(&(code / 10_000)) {
                    (Some(prov), Some(prov))
                } else {
                    (Some(prov), None)
                }
            }
        }
    };

    // Official names from the code tables; `current`: those in the newest snapshot, and cpca's.
    let newest = names
        .values()
        .flat_map(|m| m.values())
        .copied()
        .max()
        .unwrap_or(0);
    let mut full: BTreeSet<Key> = BTreeSet::new();
    let mut current: BTreeSet<Key> = BTreeSet::new();
    for (&code, m) in names {
        for (&name, &year) in m.iter().filter(|(n, _)| !placeholder(n)) {
            let (p, f) = parents(code);
            let key = (name.to_string(), level_of(code), Some(code), p, f);
            if year == newest {
                current.insert(key.clone());
            }
            full.insert(key);
        }
    }

    // The code of `name` among codes in `range` at `level`, newest first.
    let find = |name: &str, range: std::ops::Range<u32>, level: Level| -> Option<u32> {
        names
            .range(range)
            .filter(|(c, _)| level_of(**c) == level)
            .filter_map(|(c, m)| m.get(name).map(|y| (*y, *c)))
            .max()
            .map(|(_, c)| c)
    };

    // cpca's current names.
    let parser = cpca::AddressParser::global();
    let check = |p: &str, c: &str, d: Option<&str>| {
        parser
            .validate(&cpca::ParsedAddress {
                province: Some(p.to_string()),
                city: Some(c.to_string()),
                district: d.map(str::to_string),
                detail: String::new(),
            })
            .status
    };
    use cpca::RecognitionStatus as S;
    let (mut cpca_names, mut cpca_uncoded, mut cpca_skipped) = (0, 0, Vec::new());
    let mut provinces: Vec<&String> = parser.provinces();
    provinces.sort();
    for p in provinces {
        let Some(pc) = find(p, 0..1_000_000, Level::Province) else {
            cpca_skipped.push(p.to_string()); // 国外 (abroad)
            continue;
        };
        cpca_names += 1;
        full.insert((p.to_string(), Level::Province, Some(pc), None, None));
        let mut cities = parser.cities_of_province(p);
        cities.sort();
        for c in cities {
            if matches!(check(p, c, None), S::NeedsReview) {
                cpca_skipped.push(format!("{p}/{c}"));
                continue;
            }
            // The city slot: a municipality or SAR itself, a prefecture, or a county-level
            // city directly under the province (仙桃市), which GB/T 2260 puts at county level.
            let city: (Level, Option<u32>) = if c == p {
                (Level::Province, Some(pc))
            } else if let Some(code) = find(c, pc..pc + 10_000, Level::Prefecture) {
                (Level::Prefecture, Some(code))
            } else if let Some(code) =
                find(c, pc..pc + 10_000, Level::County).filter(|code| parents(*code).1.is_none())
            {
                (Level::County, Some(code))
            } else {
                (Level::Prefecture, None)
            };
            if city.0 != Level::Province {
                cpca_names += 1;
                cpca_uncoded += usize::from(city.1.is_none());
                let (p2, f2) = city.1.map_or((Some(pc), None), parents);
                full.insert((c.to_string(), city.0, city.1, p2, f2));
                current.insert((c.to_string(), city.0, city.1, p2, f2));
            }
            let mut districts = parser.districts_of_city(c);
            districts.sort();
            for d in districts {
                if !matches!(check(p, c, Some(d)), S::Current | S::Historical) || placeholder(d) {
                    cpca_skipped.push(format!("{p}/{c}/{d}"));
                    continue;
                }
                let range = match city {
                    (Level::Province, _) => pc..pc + 10_000,
                    (Level::Prefecture, Some(code)) => code..code + 100,
                    _ => 0..0,
                };
                let code = find(d, range, Level::County);
                let (p2, f2) = match (code, city) {
                    (Some(code), _) => parents(code),
                    (None, (Level::Province, _)) => (Some(pc), Some(pc)),
                    (None, (Level::Prefecture, f)) => (Some(pc), f),
                    (None, _) => (Some(pc), None),
                };
                cpca_names += 1;
                cpca_uncoded += usize::from(code.is_none());
                full.insert((d.to_string(), Level::County, code, p2, f2));
                current.insert((d.to_string(), Level::County, code, p2, f2));
            }
        }
    }

    let mut rows: BTreeMap<Key, Kind> = full.iter().map(|k| (k.clone(), Kind::Full)).collect();
    fn add_short(rows: &mut BTreeMap<Key, Kind>, name: String, k: &Key) {
        if chars(&name) >= 2 && name != k.0 {
            rows.entry((name, k.1, k.2, k.3, k.4)).or_insert(Kind::Short);
        }
    }

    // Province and prefecture short forms.
    let own_province: BTreeMap<u32, Vec<String>> = full
        .iter()
        .filter(|k| k.1 == Level::Province)
        .filter_map(|k| Some((k.2?, province_short(&k.0))))
        .fold(BTreeMap::new(), |mut m, (c, v)| {
            m.entry(c).or_insert_with(Vec::new).extend(v);
            m
        });
    for k in &full {
        let shorts = match k.1 {
            Level::Province => province_short(&k.0),
            Level::Prefecture => prefecture_short(&k.0),
            Level::County => continue,
        };
        for s in shorts {
            // 澳门市 (gb2260's old municipality of Macao) -> 澳门 is the SAR's own short form.
            let own =
                k.3.and_then(|p| own_province.get(&p))
                    .is_some_and(|v| v.contains(&s));
            // Old prefectures' short forms that are everyday words: 海岛市 (Macao, gb2260) -> 海岛.
            let old_word =
                k.1 == Level::Prefecture && !current.contains(k) && STEM_DENY.contains(&s.as_str());
            if !own && !old_word {
                add_short(&mut rows, s, k);
            }
        }
    }
    for (name, code) in PROVINCE_EXTRA {
        add_short(
            &mut rows,
            name.to_string(),
            &(String::new(), Level::Province, Some(code), None, None),
        );
    }

    // County short forms; bare stems go through the filters.
    // Current province and prefecture names and their short forms: 抚顺县 -> 抚顺 would be read
    // as 抚顺市. (Old ones do not count: 涪陵区 -> 涪陵 although 涪陵地区 existed.)
    let higher: BTreeSet<String> = current
        .iter()
        .filter(|k| k.1 != Level::County)
        .flat_map(|k| {
            let mut v = match k.1 {
                Level::Province => province_short(&k.0),
                _ => prefecture_short(&k.0),
            };
            v.push(k.0.clone());
            v
        })
        .collect();
    // A stem is ambiguous when county names in two prefectures (or province-level units) have it
    // today: 朝阳区 (北京, 长春), 鼓楼区 (南京, 徐州, 福州, 开封). Names no longer in use count
    // only when no current name has the stem, and then only across provinces, because counties
    // that moved (a 地区 turned into a 市; 重庆 out of 四川) keep their name under a new code.
    // stem -> (provinces of any name with it, prefectures of current names with it)
    type Groups = (BTreeSet<Option<u32>>, BTreeSet<Option<u32>>);
    let mut stem_groups: BTreeMap<String, Groups> = BTreeMap::new();
    for k in full.iter().filter(|k| k.1 == Level::County) {
        for (s, bare) in county_short(&k.0) {
            if bare {
                let g = stem_groups.entry(s).or_default();
                g.0.insert(k.3);
                if current.contains(k) {
                    g.1.insert(k.4.or(k.3));
                }
            }
        }
    }
    let mut stems = StemStats::default();
    let mut verdict: BTreeMap<String, bool> = BTreeMap::new();
    for (s, groups) in &stem_groups {
        let keep = if groups.1.len() > 1 || (groups.1.is_empty() && groups.0.len() > 1) {
            stems.ambiguous += 1;
            false
        } else if higher.contains(s) {
            stems.higher_level += 1;
            false
        } else if STEM_DENY.contains(&s.as_str()) {
            stems.common_word += 1;
            false
        } else if s.chars().all(|c| GENERIC_CHARS.contains(c)) {
            stems.generic += 1;
            false
        } else {
            stems.kept += 1;
            true
        };
        verdict.insert(s.clone(), keep);
    }
    for k in full.iter().filter(|k| k.1 == Level::County) {
        for (s, bare) in county_short(&k.0) {
            if !bare || verdict[&s] {
                add_short(&mut rows, s, k);
            }
        }
    }

    Places {
        rows,
        stems,
        cpca_names,
        cpca_uncoded,
        cpca_skipped,
    }
}

pub fn write(places: &Places, header: &str, out: &str) -> std::io::Result<()> {
    use std::io::Write;
    let code = |c: Option<u32>| c.map_or("-".to_string(), |c| format!("{c:06}"));
    let mut w = std::io::BufWriter::new(std::fs::File::create(out)?);
    writeln!(w, "{header}")?;
    for ((name, level, c, p, f), kind) in &places.rows {
        assert!(!name.contains(['\t', '\n']));
        let kind = match kind {
            Kind::Full => "full",
            Kind::Short => "short",
        };
        writeln!(
            w,
            "{name}\t{}\t{}\t{}\t{}\t{kind}",
            level.as_str(),
            code(*c),
            code(*p),
            code(*f)
        )?;
    }
    w.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_forms() {
        assert_eq!(province_short("内蒙古自治区"), ["内蒙古"]);
        assert_eq!(province_short("新疆维吾尔自治区"), ["新疆"]);
        assert_eq!(province_short("广西壮族自治区"), ["广西"]);
        assert_eq!(province_short("西藏自治区"), ["西藏"]);
        assert_eq!(province_short("澳门特别行政区"), ["澳门"]);
        assert_eq!(prefecture_short("恩施土家族苗族自治州"), ["恩施", "恩施州"]);
        assert_eq!(prefecture_short("伊犁哈萨克自治州"), ["伊犁", "伊犁州"]);
        assert_eq!(prefecture_short("博尔塔拉蒙古自治州"), ["博尔塔拉", "博尔塔拉州"]);
        assert_eq!(prefecture_short("阿拉善盟"), ["阿拉善"]);
        assert_eq!(prefecture_short("东莞市"), ["东莞"]);
        assert!(prefecture_short("新界").is_empty());
        assert_eq!(
            county_short("鄂温克族自治旗"),
            [("鄂温克旗".into(), false), ("鄂温克".into(), true)]
        );
        assert_eq!(county_short("鄂伦春自治旗")[0].0, "鄂伦春旗");
        assert_eq!(county_short("兰坪白族普米族自治县")[0].0, "兰坪县");
        assert_eq!(county_short("龙胜各族自治县")[0].0, "龙胜县");
        assert_eq!(county_short("浦东新区"), [("浦东".into(), true)]);
        assert!(county_short("城区").is_empty());
        assert!(county_short("科尔沁右翼前旗").is_empty());
        assert!(county_short("长安镇").is_empty());
    }
}
