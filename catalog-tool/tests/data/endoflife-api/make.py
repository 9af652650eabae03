#!/usr/bin/env python3
"""Writes endoflife.date API files for a few products from the shared snapshot's pages.

The machine that made these has no network, so the files are built from the pages the way
endoflife.date's own generator builds its API (`_plugins/generate-api-v1.rb` and
`_plugins/product-data-enricher.rb` of endoflife-date/endoflife.date; v0: `generate-api-v0.rb`),
as of GENERATED. Usage: make.py <snapshot products dir>  (writes next to this script).
"""
import datetime
import json
import os
import sys

import yaml

GENERATED = datetime.datetime(2026, 11, 30, 6, 12, 9, tzinfo=datetime.timezone.utc)
TODAY = GENERATED.date()
V1 = ["debian", "ubuntu"]
V0 = ["rhel"]


def front_matter(path):
    with open(path, encoding="utf-8") as f:
        text = f.read()
    return yaml.safe_load(text.split("\n---", 1)[0].removeprefix("---\n"))


def day(value):
    return value.isoformat() if isinstance(value, datetime.date) else value


def explode(release, field):
    """(is_x, x_from) as the enricher computes them; (None, None) when the page lacks the field."""
    if field not in release:
        return None, None
    value = release[field]
    if isinstance(value, datetime.date):
        return TODAY > value, value.isoformat()
    return value, None


def render(template, release):
    text = template.strip().replace("__RELEASE_CYCLE__", str(release["releaseCycle"]))
    text = text.replace("__CODENAME__", release.get("codename") or "")
    text = text.replace("__LATEST__", str(release.get("latest") or ""))
    return text


def v1(page, pid):
    releases = []
    for r in page["releases"]:
        r.setdefault("lts", False)
        is_lts, lts_from = explode(r, "lts")
        link = r["link"] if "link" in r else (
            render(page["changelogTemplate"], r) if page.get("changelogTemplate") else None)
        label = render(r.get("releaseLabel") or page.get("releaseLabel") or "__RELEASE_CYCLE__", r)
        json_release = {"name": str(r["releaseCycle"]), "codename": r.get("codename"),
                        "label": label, "releaseDate": day(r["releaseDate"]),
                        "isLts": is_lts, "ltsFrom": lts_from}
        for field in ("eoas", "eol", "discontinued", "eoes"):
            is_x, x_from = explode(r, field)
            name = field[0].upper() + field[1:]
            json_release["is" + name] = is_x
            json_release[field + "From"] = x_from
        maintained = any(
            (isinstance(r.get(f), datetime.date) and r[f] >= TODAY)
            or (f in r and not isinstance(r[f], datetime.date)
                and (not r[f] if f in ("eol", "discontinued") else r[f]))
            for f in ("eoas", "eol", "discontinued", "eoes"))
        json_release["isMaintained"] = maintained
        json_release["latest"] = {"name": r.get("latest") and str(r["latest"]),
                                  "date": day(r.get("latestReleaseDate")), "link": link}
        for field, column in (("eoas", "eoasColumn"), ("discontinued", "discontinuedColumn"),
                              ("eoes", "eoesColumn")):
            if not page.get(column):
                name = field[0].upper() + field[1:]
                del json_release["is" + name], json_release[field + "From"]
        releases.append(json_release)
    result = {"name": pid, "aliases": [a[1:] for a in page.get("alternate_urls", [])],
              "label": page["title"], "category": page["category"],
              "tags": sorted((page.get("tags") or "").split() + [page["category"]]),
              "versionCommand": page.get("versionCommand"),
              "identifiers": [{"type": list(i)[0], "id": list(i.values())[0]}
                              for i in page.get("identifiers", [])],
              "labels": {}, "links": {"icon": None, "html": f"https://endoflife.date/{pid}",
                                      "releasePolicy": page.get("releasePolicyLink")},
              "releases": releases}
    return {"schema_version": "1.2.0", "generated_at": GENERATED.isoformat(),
            "last_modified": GENERATED.isoformat(), "result": result}


def v0(page):
    out = []
    for r in page["releases"]:
        entry = {"cycle": str(r["releaseCycle"])}
        entry.update({k: day(v) for k, v in r.items() if k != "releaseCycle"})
        entry["lts"] = entry.get("lts") or False
        out.append(entry)
    return out


def main():
    products = sys.argv[1]
    here = os.path.dirname(os.path.abspath(__file__))
    for pid in V1 + V0:
        page = front_matter(os.path.join(products, pid + ".md"))
        data = v1(page, pid) if pid in V1 else v0(page)
        with open(os.path.join(here, pid + ".json"), "w", encoding="utf-8") as f:
            json.dump(data, f, indent=2, ensure_ascii=False)
            f.write("\n")


if __name__ == "__main__":
    main()
