#!/usr/bin/env python3
"""Generates a folder of documents for benches/formats.sh (`documents` row): PDF, DOCX, PPTX
and RTF files of order and customer text, a quarter of the bytes each, about SIZE_MB MiB in
all. Python 3 standard library only; deterministic for a seed; the writers are
fixtures/documents.py. The values are synthetic (mobiles from allocated segments with random
subscriber digits, resident IDs with their MOD 11-2 check character, example.com e-mail).

    python3 benches/gen_documents.py OUT_DIR [SIZE_MB] [SEED]
"""

import os
import random
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures"))
import documents  # noqa: E402

SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀英华"
CITIES = ["杭州市西湖区文三路", "深圳市南山区科技园路", "北京市朝阳区建国路", "上海市浦东新区世纪大道", "成都市锦江区春熙路"]
SEGMENTS = ["138", "139", "135", "150", "186", "177", "199", "166"]


def resident_id(rng):
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    body = rng.choice(["110105", "330106", "440305", "310115"]) + "19%02d%02d%02d" % (
        rng.randint(50, 99), rng.randint(1, 12), rng.randint(1, 28)) + "%03d" % rng.randint(1, 999)
    return body + "10X98765432"[sum(int(c) * w for c, w in zip(body, weights)) % 11]


def line(rng, n):
    kind = n % 4
    name = rng.choice(SURNAMES) + rng.choice(GIVEN)
    mobile = rng.choice(SEGMENTS) + "%08d" % rng.randint(0, 99999999)
    if kind == 0:
        return "订单 %d 收货人：%s 手机 %s" % (rng.randint(10**17, 10**18), name, mobile)
    if kind == 1:
        return "收货地址：%s%d号%d室 联系电话 %s" % (rng.choice(CITIES), rng.randint(1, 999), rng.randint(101, 2808), mobile)
    if kind == 2:
        return "订购人证件号码：%s 邮箱 user%d@example.com" % (resident_id(rng), rng.randint(1, 10**6))
    return "备注：周末送货，商品 SKU-%06d 数量 %d 金额 %d.%02d 元" % (rng.randint(0, 999999), rng.randint(1, 9), rng.randint(1, 9999), rng.randint(0, 99))


def main():
    out = sys.argv[1]
    size = int(float(sys.argv[2]) * (1 << 20)) if len(sys.argv) > 2 else 64 << 20
    rng = random.Random(int(sys.argv[3]) if len(sys.argv) > 3 else 1)
    os.makedirs(out, exist_ok=True)
    written = {"pdf": 0, "docx": 0, "pptx": 0, "rtf": 0}
    n = 0
    while sum(written.values()) < size:
        kind = min(written, key=written.get)
        n += 1
        if kind == "pdf":
            data = documents.pdf([[line(rng, i) for i in range(45)] for _ in range(20)])
        elif kind == "docx":
            data = documents.docx([line(rng, i) for i in range(900)], [("header1", ["某某电商 客服 0571-88886666"])])
        elif kind == "pptx":
            data = documents.pptx([([line(rng, i) for i in range(12)], [line(rng, 0)]) for _ in range(60)])
        else:
            data = documents.rtf([line(rng, i) for i in range(900)], "gbk" if n % 2 else "unicode")
        with open(os.path.join(out, "doc-%05d.%s" % (n, kind)), "wb") as fh:
            fh.write(data)
        written[kind] += len(data)
    print("%d documents, %.1f MiB" % (n, sum(written.values()) / (1 << 20)))


if __name__ == "__main__":
    main()
