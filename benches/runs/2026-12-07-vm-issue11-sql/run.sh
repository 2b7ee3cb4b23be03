#!/bin/bash
B=/work/main/target/release/pimap
cd /tmp
mkdir -p /tmp/bigsql /tmp/bigcsv
ln -sf /tmp/pimap-bench-formats/dump-1024.sql /tmp/bigsql/dump.sql 2>/dev/null
ln -sf /tmp/pimap-bench-formats/big-1024-095b8a13b50c.csv /tmp/bigcsv/big.csv 2>/dev/null
for d in bigsql bigcsv; do
  for j in 1 2 1 2; do
    /usr/bin/time -f "$d j$j %e s %U user %S sys %M KB" $B scan /tmp/$d --follow -j$j -q --findings - -o /tmp/big-$d-$j.json --key-file /tmp/k.key > /dev/null
  done
done
for j in 1 2; do $B scan /tmp/d200 -j$j -q --findings /tmp/sq-$j.jsonl -o /tmp/sq-$j.json --key-file /tmp/k.key; done
cmp /tmp/sq-1.jsonl /tmp/sq-2.jsonl && echo "200MB dump findings SAME $(wc -l < /tmp/sq-1.jsonl)"
python3 - <<'PY'
import json
def load(p):
    d=json.load(open(p)); d.pop('scanned_at',None); d['totals'].pop('elapsed_seconds',None); d['tool'].pop('detector_digest',None); return d
for n in ['sq','big-bigsql','big-bigcsv']:
    a,b=load(f'/tmp/{n}-1.json'),load(f'/tmp/{n}-2.json'); print(n,'inventory SAME' if a==b else 'inventory DIFFERENT')
PY
