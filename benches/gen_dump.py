#!/usr/bin/env python3
"""Writes a large mysqldump-style file for the memory benchmark (benches/memory.sh).

    python3 benches/gen_dump.py OUT.sql SIZE_MB

Extended INSERTs of ~1 MiB per line, as mysqldump writes them; generated values only
(valid mobiles and resident IDs from a fixed seed), never real people's data.
"""
import os
import random
import sys

W = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]


def resident_id(rng):
    body = "330106%04d%02d%02d%03d" % (rng.randint(1950, 2005), rng.randint(1, 12), rng.randint(1, 28), rng.randint(0, 999))
    return body + "10X98765432"[sum(int(c) * w for c, w in zip(body, W)) % 11]


def main():
    out, size_mb = sys.argv[1], int(sys.argv[2])
    rng = random.Random(1)
    target = size_mb << 20
    written = 0
    row = 0
    partial = out + ".partial"
    with open(partial, "w", encoding="utf-8") as f:
        head = ("-- MySQL dump 10.13\n\nCREATE TABLE `t_user` (\n  `id` bigint NOT NULL,\n  `nick` varchar(64),\n"
                "  `mobile` varchar(20),\n  `id_card` char(18),\n  `email` varchar(128),\n  `note` text\n);\n\n")
        f.write(head)
        written += len(head.encode())
        while written < target:
            parts = []
            line_bytes = 0
            while line_bytes < (1 << 20):
                row += 1
                t = "(%d,'tb%d',%s,'%s','u%d@example.com','O\\'Neil''s note %d')" % (
                    row, rng.randrange(10**9), "'1%d'" % rng.randrange(3 * 10**9, 10**10 - 1) if rng.random() < 0.9 else "NULL",
                    resident_id(rng), row, row)
                parts.append(t)
                line_bytes += len(t) + 1
            line = "INSERT INTO `t_user` VALUES " + ",".join(parts) + ";\n"
            f.write(line)
            written += len(line.encode())
    os.replace(partial, out)


if __name__ == "__main__":
    main()
