#!/usr/bin/env python3
"""Generate data/cn_towns.tsv, the township-level gazetteer (乡镇/街道) for the address detector.

    python3 tools/gen-towns/gen_towns.py LEVEL4_CSV --xy-commit SHA \
        [--nbs STREETS_CSV --nbs-commit SHA] [--regions data/cn_regions.tsv] [-o data/cn_towns.tsv]

LEVEL4_CSV is `src/采集到的数据/ok_data_level4.csv` of xiangyuecn/AreaCity-JsSpider-StatsGov
(MIT): it gives the rows (names and their county, prefecture and province). Its town-level ids
are mostly Tencent Maps' numbering, which is not the statistical code for many towns, so the
9-digit town_code is taken from STREETS_CSV, `dist/streets.csv` of
modood/Administrative-divisions-of-China (National Bureau of Statistics 2023 codes), when that
file has the same name in the same county (or, failing that, once in the same prefecture);
or with the county's name in front (济源市克井镇); otherwise town_code is `-`. Without --nbs every
town_code is `-`. County and prefecture codes that are not GB/T 2260 codes (not in
data/cn_regions.tsv: NBS-only codes such as 加格达奇区 232761) are written as `-`.

Standard library only. The date in the header comes from SOURCE_DATE_EPOCH, else today (UTC).
See README.md next to this file and data/ATTRIBUTION.md.
"""
from __future__ import annotations

import argparse
import collections
import csv
import datetime
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
DEFAULT_OUT = os.path.join(REPO, "data", "cn_towns.tsv")
DEFAULT_REGIONS = os.path.join(REPO, "data", "cn_regions.tsv")

MUNICIPALITIES = {"11", "12", "31", "50"}  # 北京 天津 上海 重庆
# Taiwan (only fill-in rows at this level), Hong Kong and Macao (their level-4 rows are the
# districts, which are county-level and already in cn_places.tsv), 国外.
SKIP_PROVINCES = {"71", "81", "82", "91"}

# A name made only of these words (longest first, matched left to right) is a generic term,
# not a place name, and would match ordinary text: 新城镇 (新城镇化), 中心镇, 开发区, 城区街道,
# 良种繁育场 ... Names with a specific part (城关镇, 城南街道, 新乡经济开发区) are kept.
GENERIC_WORDS = sorted(
    """
    经济技术 经济 技术 高新 产业 开发 工业 综合 保税 实验 试验 示范 旅游 度假 风景 自然 保护
    管理 委员会 管委会 办事处 公共 服务 中心 社区 直属 新城 旧城 城区 市区 城镇 新区 郊区
    园区 园 区 街道 镇 乡 市 场 农场 林场 牧场 渔场 盐场 茶场 果园 苗圃 良种 繁育 种畜 畜牧
    原种 园艺
    """.split(),
    key=len,
    reverse=True,
)


def is_generic(name: str) -> bool:
    rest = name
    while rest:
        for w in GENERIC_WORDS:
            if rest.startswith(w):
                rest = rest[len(w):]
                break
        else:
            return False
    return True


def is_fill_in(row_id: str, parent_id: str) -> bool:
    """The source pads missing levels with the parent's id plus zeros (README, 数据规则 2-4)."""
    return row_id.startswith(parent_id) and row_id[len(parent_id):].strip("0") == ""


def normalise(name: str) -> str:
    # 八五０农场: the source has a full-width digit zero where the official name has 〇.
    return name.strip().replace("０", "〇")


def read_csv(path: str) -> list[dict]:
    with open(path, encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def load_nbs(path: str):
    """(county, name) -> [codes] and (prefecture4, name) -> [codes] from streets.csv."""
    by_county = collections.defaultdict(list)
    by_pref = collections.defaultdict(list)
    names = {}
    for r in read_csv(path):
        code, name = r["code"], normalise(r["name"])
        if not re.fullmatch(r"\d{9}", code):
            sys.exit(f"{path}: bad code {code!r}")
        names[code] = name
        by_county[(r["areaCode"], name)].append(code)
        by_pref[(code[:4], name)].append(code)
    return names, by_county, by_pref


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("level4", help="ok_data_level4.csv of xiangyuecn/AreaCity-JsSpider-StatsGov")
    ap.add_argument("--xy-commit", required=True, help="commit of AreaCity-JsSpider-StatsGov it came from")
    ap.add_argument("--nbs", help="dist/streets.csv of modood/Administrative-divisions-of-China")
    ap.add_argument("--nbs-commit", help="commit of Administrative-divisions-of-China it came from")
    ap.add_argument("--regions", default=DEFAULT_REGIONS,
                    help="GB/T 2260 code list, first column (default data/cn_regions.tsv)")
    ap.add_argument("-o", "--out", default=DEFAULT_OUT, help="output (default data/cn_towns.tsv)")
    args = ap.parse_args()
    if bool(args.nbs) != bool(args.nbs_commit):
        ap.error("--nbs and --nbs-commit go together")

    with open(args.regions, encoding="utf-8") as f:
        gbt = {line.split("\t", 1)[0] for line in f if not line.startswith("#")}
    not_gbt = collections.Counter()

    rows = read_csv(args.level4)
    by_id = {r["id"]: r for r in rows}
    dropped = collections.defaultdict(list)
    towns = []  # (name, source id or None, county, prefecture, province, county name)
    for r in rows:
        if r["deep"] != "3":
            continue
        tid, name = r["id"], normalise(r["ext_name"])
        if tid[:2] in SKIP_PROVINCES:
            continue
        county_row = by_id[r["pid"]]
        city_row = by_id[county_row["pid"]]
        prov_row = by_id[city_row["pid"]]
        if not (re.fullmatch(r"\d{9}", tid) and county_row["deep"] == "2" and city_row["deep"] == "1"
                and prov_row["deep"] == "0" and re.fullmatch(r"\d\d", prov_row["id"])):
            sys.exit(f"unexpected structure at {tid} {name}")
        province = prov_row["id"] + "0000"
        if is_fill_in(county_row["id"], city_row["id"]):
            # The county is a fill-in: either a county-level unit directly under the province
            # (济源 419001: city row 419001, county row 419001000) or a prefecture-level city
            # without counties (东莞 4419: county row 441900).
            if len(city_row["id"]) == 6:
                county, prefecture = city_row["id"], "-"
            else:
                county, prefecture = "-", city_row["id"] + "00"
        else:
            county = county_row["id"]
            prefecture = province if prov_row["id"] in MUNICIPALITIES else city_row["id"] + "00"
        if not re.fullmatch(r"\d{6}|-", county) or not re.fullmatch(r"\d{6}|-", prefecture):
            sys.exit(f"unexpected codes at {tid} {name}: {county} {prefecture}")
        if province not in gbt:
            sys.exit(f"province {province} of {tid} {name} is not in {args.regions}")

        ancestors = {normalise(x["ext_name"]) for x in (county_row, city_row, prov_row)}
        if name in ancestors:
            dropped["same name as its county or city (fill-in)"].append(name)
            continue
        if len(name) < 3:
            dropped["shorter than 3 characters"].append(name)
            continue
        if "直属" in name or "（" in name or "(" in name:
            dropped["placeholder (直属) or parenthesised name"].append(name)
            continue
        if is_generic(name):
            dropped["generic words only"].append(name)
            continue
        if county != "-" and county not in gbt:
            not_gbt[f"{county} {county_row['ext_name']}"] += 1
            county = "-"
        if prefecture != "-" and prefecture not in gbt:
            not_gbt[f"{prefecture} {city_row['ext_name']}"] += 1
            prefecture = "-"
        source_id = None if is_fill_in(tid, r["pid"]) else tid
        towns.append((name, source_id, county, prefecture, province, normalise(county_row["ext_name"])))

    # town_code: the statistical (NBS 2023) code, found by name; never the same code twice.
    codes = {}
    code_stats = collections.Counter()
    if args.nbs:
        nbs_names, nbs_county, nbs_pref = load_nbs(args.nbs)
        claims = collections.defaultdict(list)
        for i, (name, sid, county, prefecture, _, county_name) in enumerate(towns):
            code, how = None, None
            if sid is not None and nbs_names.get(sid) in (name, county_name + name):
                code, how = sid, 0
            else:
                key_county = county if county != "-" else prefecture
                hits = nbs_county.get((key_county, name), []) or nbs_county.get((key_county, county_name + name), [])
                if len(hits) == 1:
                    code, how = hits[0], 1
                elif not hits:
                    pref4 = (prefecture if prefecture != "-" else county)[:4]
                    hits = nbs_pref.get((pref4, name), [])
                    if len(hits) == 1:
                        code, how = hits[0], 2
            if code:
                claims[code].append((how, i))
        for code, cl in claims.items():
            cl.sort()
            if len(cl) > 1 and cl[0][0] == cl[1][0]:
                code_stats["code claimed by two towns: -"] += len(cl)
                continue
            codes[cl[0][1]] = code
            code_stats[("same id and name", "same county and name", "same prefecture and name")[cl[0][0]]] += 1
            code_stats["code claimed by two towns: -"] += len(cl) - 1

    # One row per (name, code, place); a name the source lists twice in the same county (an old
    # and a new id, e.g. 西樵镇 440605104/440605122) keeps only its coded row(s).
    by_place = collections.defaultdict(set)
    for i, (name, _sid, county, prefecture, province, _cn) in enumerate(towns):
        by_place[(name, county, prefecture, province)].add(codes.get(i, "-"))
    lines = []
    collapsed = 0
    for (name, county, prefecture, province), cs in by_place.items():
        if len(cs) > 1 and "-" in cs:
            cs.discard("-")
            collapsed += 1
        for code in cs:
            lines.append("\t".join((name, code, county, prefecture, province, "full")))
    lines.sort()

    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    when = (datetime.datetime.fromtimestamp(int(epoch), datetime.timezone.utc) if epoch
            else datetime.datetime.now(datetime.timezone.utc)).strftime("%Y-%m-%d")
    sources = (f"names and parents from xiangyuecn/AreaCity-JsSpider-StatsGov {args.xy_commit} "
               "src/采集到的数据/ok_data_level4.csv (MIT, © 2019 xiangyuecn; release 2023.240319.250114: "
               "Tencent Maps township list merged with Amap and National Bureau of Statistics 2023 data)")
    if args.nbs:
        sources += (f"; town codes from modood/Administrative-divisions-of-China {args.nbs_commit} "
                    "dist/streets.csv (WTFPL; National Bureau of Statistics 2023 statistical codes)")
    header = (
        "# name<TAB>town_code<TAB>county_code<TAB>prefecture_code<TAB>province_code<TAB>kind. "
        f"Township-level place names (镇 乡 街道 民族乡 苏木 and similar units) for address matching; generated {when} "
        "by tools/gen-towns/gen_towns.py. town_code: 9-digit statistical code (NBS 2023), - if not found. "
        "county_code, prefecture_code, province_code: 6-digit GB/T 2260 codes, - if none (county - for the towns of "
        "东莞 中山 儋州 嘉峪关, which have no county; prefecture - for county-level units directly under a province; "
        "a municipality's towns have the municipality's own xx0000 code as prefecture). kind: full (official name; "
        f"reserved). Sources: {sources}. See data/ATTRIBUTION.md."
    )
    with open(args.out, "w", encoding="utf-8", newline="\n") as f:
        f.write(header + "\n")
        for line in lines:
            f.write(line + "\n")

    # Statistics.
    where = collections.defaultdict(set)
    for line in lines:
        name, _code, county, prefecture, _prov, _kind = line.split("\t")
        where[name].add(county if county != "-" else prefecture)
    unique = sum(1 for s in where.values() if len(s) == 1)
    coded = sum(1 for line in lines if line.split("\t")[1] != "-")
    out = sys.stderr
    print(f"wrote {args.out}: {len(lines)} rows, {os.path.getsize(args.out)} bytes", file=out)
    print(f"distinct names: {len(where)}; in one county: {unique}; in more than one county: {len(where) - unique}", file=out)
    top = sorted(where.items(), key=lambda kv: (-len(kv[1]), kv[0]))[:10]
    print("most shared: " + ", ".join(f"{n} {len(s)}" for n, s in top), file=out)
    print(f"town_code known: {coded}, -: {len(lines) - coded}", file=out)
    for k, v in sorted(code_stats.items()):
        print(f"  {k}: {v}", file=out)
    print(f"same name twice in a county, uncoded duplicate dropped: {collapsed}", file=out)
    for k, v in sorted(not_gbt.items()):
        print(f"not a GB/T 2260 code, written as -: {k} ({v} towns)", file=out)
    for reason, names in sorted(dropped.items()):
        shown = " ".join(sorted(set(names))[:40])
        print(f"dropped, {reason}: {len(names)}: {shown}{' ...' if len(set(names)) > 40 else ''}", file=out)


if __name__ == "__main__":
    main()
