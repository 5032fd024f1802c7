#!/usr/bin/env python3
"""GraphQL helpers for run.sh (standard library only).

  gql.py body FILE          the JSON request body for a .graphql file, on stdout
  gql.py check URL FILE     sends it once; exit 0 if it returns data without errors,
                            3 if the file is marked `# requires: X` and the server lacks
                            the fields it asks for (skip it), 1 otherwise (with the reason)
  gql.py same OURS PGL DIR [QUERY]
                            exit 0 if ai-tracker (URL OURS) and PostGraphile (URL PGL) answer
                            QUERY (catalog_page) alike for DIR's two QUERY.graphql files, where
                            comparable (catalog_page, model_detail, filtered, statistics)
  gql.py summarize OUT DIR [DIR ...]
                            writes the markdown results to OUT from run.sh's sections (each DIR
                            holds results.tsv and meta.json; the first is the base run)
"""

import json
import os
import re
import sys
import urllib.request


def body(path):
    with open(path) as f:
        return json.dumps({"query": f.read()})


def requirement(path):
    with open(path) as f:
        m = re.search(r"^#\s*requires:\s*(\S+)", f.read(), re.M)
    return m.group(1) if m else None


def check(url, path):
    req = urllib.request.Request(url, data=body(path).encode(), method="POST",
                                 headers={"Content-Type": "application/json", "Accept": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            text = resp.read()
    except urllib.error.HTTPError as e:
        text = e.read()
    try:
        answer = json.loads(text)
    except ValueError:
        print(f"{path}: not JSON: {text[:200]!r}", file=sys.stderr)
        return 1
    errors = answer.get("errors") or []
    if errors:
        needs = requirement(path)
        # A server without the field fails validation ("Unknown field ...", "Cannot query field
        # ..."); that is the only failure a `requires:` mark excuses.
        unknown = all(re.search(r"unknown (field|argument)|cannot query field", e.get("message", ""), re.I)
                      for e in errors)
        if needs and unknown:
            print(f"{path}: skipped, the server lacks the {needs} API: {errors[0].get('message')}", file=sys.stderr)
            return 3
        print(f"{path}: errors: {json.dumps(errors)[:500]}", file=sys.stderr)
        return 1
    data = answer.get("data")
    if not data or all(v in (None, [], {}) for v in data.values()):
        print(f"{path}: empty data: {json.dumps(answer)[:300]}", file=sys.stderr)
        return 1
    if _empty_lists(data):
        print(f"{path}: a page came back empty: {json.dumps(answer)[:300]}", file=sys.stderr)
        return 1
    return 0


def _empty_lists(data):
    """True when a top-level page (a root field's `nodes`) is empty: a benchmark of an empty page
    is worthless. A nested list may be empty (a model without aliases, in PostGraphile's naming
    `modelAliasesByModelId { nodes: [] }`, as model-03530 of the 50,000-model catalog is)."""
    return any(isinstance(v, dict) and v.get("nodes") == [] for v in data.values())


def post(url, path):
    req = urllib.request.Request(url, data=body(path).encode(), headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as resp:
        return json.load(resp)["data"]


def same(ours_url, pgl_url, bench_dir, query="catalog_page"):
    """Both servers must answer QUERY alike where their answers are comparable: a comparison
    of two different answers would measure nothing. Exit 0 when they agree, 1 when not."""
    compare = COMPARISONS.get(query)
    if compare is None:
        print(f"{query}: no comparison defined, not checked", file=sys.stderr)
        return 0
    ours = post(ours_url, os.path.join(bench_dir, f"queries/{query}.graphql"))
    pgl = post(pgl_url, os.path.join(bench_dir, f"postgraphile/queries/{query}.graphql"))
    ours, pgl, what = compare(ours, pgl)
    if ours != pgl:
        if isinstance(ours, list) and isinstance(pgl, list) and len(ours) == len(pgl):
            diff = next((a, b) for a, b in zip(ours, pgl) if a != b)
        elif isinstance(ours, list) and isinstance(pgl, list):
            diff = (len(ours), len(pgl))
        else:
            diff = (ours, pgl)
        print(f"{query}: the answers differ: {str(diff)[:800]}", file=sys.stderr)
        return 1
    print(f"{query}: same answer: {what}", file=sys.stderr)
    return 0


def _orgs(m, *fields):
    return [tuple(o["organizationByOrganizationId"][f] for f in fields) for o in m["modelOrganizationsByModelId"]["nodes"]]


def _catalog_page(ours, pgl):
    # PostGraphile shows the stored snake_case text where we show GraphQL enums.
    ours = [(m["slug"], m["announcedOn"], m["access"], [o["slug"] for o in m["organizations"]],
             [(c["status"], c["capability"]["slug"]) for c in m["capabilities"]],
             [(r["horizon"], r["category"], r["summary"]) for r in m["riskAssessments"]]) for m in ours["models"]["nodes"]]
    pgl = [(m["slug"], m["announcedOn"], m["access"].upper(), [o for (o,) in _orgs(m, "slug")],
            [(c["status"].upper(), c["capabilityByCapabilityId"]["slug"]) for c in m["modelCapabilitiesByModelId"]["nodes"]],
            [(r["horizon"].upper(), r["category"].upper(), r["summary"]) for r in m["riskAssessmentsByModelId"]["nodes"]])
           for m in pgl["allModels"]["nodes"]]
    return ours, pgl, (f"{len(ours)} models, {sum(len(m[3]) for m in ours)} organizations, "
                       f"{sum(len(m[4]) for m in ours)} capabilities, {sum(len(m[5]) for m in ours)} risk assessments")


def _model_detail(ours, pgl):
    m, p = ours["model"], pgl["modelBySlug"]
    if m is None or p is None:
        return m, p, ""
    modalities = {(d, x) for d, key in (("input", "inputModalities"), ("output", "outputModalities")) for x in m[key]}
    ours = (m["slug"], m["name"], m["announcedOn"], m["access"], m["parameters"], m["trainingComputeFlop"],
            m["aliases"], sorted(modalities), [o["slug"] for o in m["organizations"]],
            [(c["status"], c["capability"]["slug"]) for c in m["capabilities"]],
            [(r["horizon"], r["category"], r["summary"]) for r in m["riskAssessments"]],
            (m["baseModel"] or {}).get("slug"), [d["slug"] for d in m["derivedModels"]], [s["url"] for s in m["sources"]])
    pgl = (p["slug"], p["name"], p["announcedOn"], p["access"].upper(), p["parameters"], p["trainingComputeFlop"],
           [a["alias"] for a in p["modelAliasesByModelId"]["nodes"]],
           sorted((x["direction"], x["modality"].upper()) for x in p["modelModalitiesByModelId"]["nodes"]),
           [o for (o,) in _orgs(p, "slug")],
           [(c["status"].upper(), c["capabilityByCapabilityId"]["slug"]) for c in p["modelCapabilitiesByModelId"]["nodes"]],
           [(r["horizon"].upper(), r["category"].upper(), r["summary"]) for r in p["riskAssessmentsByModelId"]["nodes"]],
           (p["modelByBaseModelId"] or {}).get("slug"), [d["slug"] for d in p["modelsByBaseModelId"]["nodes"]],
           [s["url"] for s in p["modelSourcesByModelId"]["nodes"]])
    return ours, pgl, (f"{m['slug']}: {len(ours[8])} organizations, {len(ours[9])} capabilities, "
                       f"{len(ours[10])} risk assessments, {len(ours[12])} derived models")


def _filtered(ours, pgl):
    """Same total and the same models in the same order, with their organizations."""
    o, p = ours["models"], pgl["allModels"]
    ours = [o["totalCount"]] + [(m["slug"], m["name"], m["announcedOn"], float(m["trainingComputeFlop"]),
                                 [(x["name"], x["country"]) for x in m["organizations"]]) for m in o["nodes"]]
    pgl = [p["totalCount"]] + [(m["slug"], m["name"], m["announcedOn"], float(m["trainingComputeFlop"]),
                                _orgs(m, "name", "country")) for m in p["nodes"]]
    return ours, pgl, f"{ours[0]} matches, the same {len(ours) - 1} models in the same order"


def _statistics(ours, pgl):
    """Same years, counts, min and max (PostGraphile's groups come unordered, its counts as
    BigInt strings, its keys as strings). The medians and geometric means (ours) and averages
    (PostGraphile's) have no counterpart and are not compared."""
    def spread(s):
        return (float(s["min"]), float(s["max"])) if s else None

    def num(v):
        return None if v is None else float(v)

    by_year = lambda g: (g[0] is None, g[0] or 0)
    ours = sorted(((g["key"]["year"], g["count"], g["withParameters"], g["withTrainingCompute"],
                   spread(g["parameters"]), spread(g["trainingComputeFlop"])) for g in ours["modelStatistics"]), key=by_year)
    pgl = sorted(((int(g["keys"][0]) if g["keys"][0] is not None else None, int(g["count"]["rowId"]),
                  int(g["count"]["parameters"]), int(g["count"]["trainingComputeFlop"]),
                  (num(g["min"]["parameters"]), num(g["max"]["parameters"])) if int(g["count"]["parameters"]) else None,
                  (num(g["min"]["trainingComputeFlop"]), num(g["max"]["trainingComputeFlop"]))
                  if int(g["count"]["trainingComputeFlop"]) else None)
                 for g in pgl["allModels"]["groupedAggregates"]), key=by_year)
    return ours, pgl, f"{len(ours)} years, {sum(g[1] for g in ours)} models"


COMPARISONS = {"catalog_page": _catalog_page, "model_detail": _model_detail,
               "filtered": _filtered, "statistics": _statistics}


SQLITE = "ai-tracker (SQLite)"
MANY = " (1000 addresses)"
SERVERS = ["ai-tracker", "ai-tracker+budget", "ai-tracker+budget-exact", "ai-tracker" + MANY,
           "ai-tracker+budget" + MANY, "ai-tracker+budget-exact" + MANY, "ai-tracker+cache", SQLITE, "postgraphile",
           "pgbench"]
# Reads whose cost should not grow with the catalog (issue 22: at most 1.5× slower at 10× the
# data); statistics may grow with the data, by no more than the data.
PAGED = ("catalog_page", "model_detail", "filtered", "search", "past_catalog_page")


def load_section(results_dir):
    """A run.sh section: results.tsv (lines `query<TAB>server<TAB>connections<TAB>{json}`) and
    meta.json."""
    rows = []
    with open(os.path.join(results_dir, "results.tsv")) as f:
        for line in f:
            query, server, conns, payload = line.rstrip("\n").split("\t", 3)
            rows.append((query, server, int(conns), json.loads(payload)))
    meta = {}
    meta_path = os.path.join(results_dir, "meta.json")
    if os.path.exists(meta_path):
        with open(meta_path) as f:
            meta = json.load(f)
    rows.sort(key=lambda r: (r[0] != "catalog_page", r[0], SERVERS.index(r[1]) if r[1] in SERVERS else 99, r[2]))
    by_key = {(q, s, c): r for q, s, c, r in rows if not r.get("skipped")}
    return {"rows": rows, "meta": meta, "by_key": by_key,
            "top": max((c for q, _, c in by_key if q == "catalog_page"), default=64)}


def meta_lines(meta):
    return [f"- **{key.replace('_', ' ')}**: {meta[key]}"
            for key in ["date", "command", "machine", "duration", "ai_tracker_build", "postgres", "models", "note"]
            if meta.get(key)]


def results_table(section):
    """The table of every run but the SQLite server's (that one has its own section), and the
    line naming what was skipped."""
    lines = ["| query | server | connections | req/s | p50 ms | p99 ms | errors |",
             "| --- | --- | ---: | ---: | ---: | ---: | ---: |"]
    skipped = {}
    for query, server, conns, r in section["rows"]:
        if server == SQLITE:
            continue
        if r.get("skipped"):
            skipped.setdefault(query, set()).add(server)
            continue
        errs = r.get("non2xx", 0) + r.get("socket_errors", 0) + r.get("graphql_errors", 0)
        lines.append(f"| {query} | {server} | {conns} | {r['rps']:.0f} | {r['p50_ms']:.1f} | {r['p99_ms']:.1f} | {errs} |")
    if skipped:
        lines += ["", "Skipped (the server has no such query, or lacks the API it needs): " +
                  "; ".join(f"{q} ({', '.join(sorted(s))})" for q, s in sorted(skipped.items())) + "."]
    return lines


def goal_lines(section):
    by_key, meta, top = section["by_key"], section["meta"], section["top"]
    at = lambda query, server: by_key.get((query, server, top))
    ours, cached, pg, sql = (at("catalog_page", s) for s in ("ai-tracker", "ai-tracker+cache", "postgraphile", "pgbench"))
    goal = []
    if ours and pg:
        goal.append(f"| throughput vs PostGraphile, no response cache (goal ≥ 3×) | {ours['rps'] / pg['rps']:.2f}× |")
    if cached and pg:
        goal.append(f"| throughput vs PostGraphile, with the response cache (goal ≥ 10×) | {cached['rps'] / pg['rps']:.2f}× |")
    if ours and pg:
        goal.append(f"| p99 latency vs PostGraphile, no response cache (goal ≤ 0.5×) | {ours['p99_ms'] / pg['p99_ms']:.2f}× |")
    if cached and pg:
        goal.append(f"| p99 latency vs PostGraphile, with the response cache (goal ≤ 0.5×) | {cached['p99_ms'] / pg['p99_ms']:.3f}× |")
    if ours and sql:
        goal.append(f"| throughput vs raw SQL ceiling, no response cache (stretch ≥ 0.35×) | {ours['rps'] / sql['rps']:.2f}× |")
    # The query budget's cost: each budget server against ai-tracker loaded by the same script
    # (one address, or 1,000), per query.
    for query in ("catalog_page", "filtered", "model_detail"):
        for clients in ("", MANY):
            base = at(query, "ai-tracker" + clients)
            for variant, how in (("ai-tracker+budget", "leases"), ("ai-tracker+budget-exact", "exact takes")):
                budget = at(query, variant + clients)
                if base and budget:
                    who = "1,000 addresses" if clients else "one address"
                    goal.append(f"| throughput lost to the query budget ({how}), {query}, {who} (goal < 5 %) | "
                                f"{(1 - budget['rps'] / base['rps']) * 100:.1f} % |")
    # The other queries of issue 22, each against its peer.
    detail, detail_pg = at("model_detail", "ai-tracker"), at("model_detail", "postgraphile")
    if detail and detail_pg:
        goal.append(f"| model page throughput vs PostGraphile, no response cache (goal ≥ 2×) | {detail['rps'] / detail_pg['rps']:.2f}× |")
        goal.append(f"| model page p99 latency vs PostGraphile, no response cache (goal ≤ 0.5×) | {detail['p99_ms'] / detail_pg['p99_ms']:.2f}× |")
    for query, peer in (("filtered", "postgraphile-plugin-connection-filter"), ("statistics", "@graphile/pg-aggregates")):
        mine, theirs = at(query, "ai-tracker"), at(query, "postgraphile")
        if mine and theirs:
            goal.append(f"| {query} throughput vs PostGraphile with {peer}, no response cache (goal ≥ 2×) | {mine['rps'] / theirs['rps']:.2f}× |")
    search, search_sql = at("search", "ai-tracker"), at("search", "pgbench")
    if search:
        goal.append(f"| search throughput, no response cache (goal ≥ 1,000 req/s) | {search['rps']:.0f} req/s |")
    if search and search_sql:
        goal.append(f"| search throughput vs its own SQL through pgbench, no response cache (goal ≥ 0.5×) | {search['rps'] / search_sql['rps']:.2f}× |")
    for query in ("filtered", "statistics"):
        mine, own = at(query, "ai-tracker"), at(query, "pgbench")
        if mine and own:
            goal.append(f"| {query} throughput vs its own SQL through pgbench, no response cache, for comparison | {mine['rps'] / own['rps']:.2f}× |")
    if meta.get("rss_mb"):
        goal.append(f"| ai-tracker resident memory under load, peak, no response cache (goal ≤ 64 MB) | {meta['rss_mb']} MB |")
    if meta.get("rss_cache_mb"):
        goal.append(f"| ai-tracker resident memory under load, peak, with the response cache (goal ≤ 64 MB) | {meta['rss_cache_mb']} MB |")
    if meta.get("postgraphile_rss_mb"):
        goal.append(f"| PostGraphile (Node) resident memory under load, peak, for comparison | {meta['postgraphile_rss_mb']} MB |")
    if meta.get("statements_per_request"):
        goal.append(f"| SQL statements per catalog-page request | {meta['statements_per_request']} |")
    return ["| measure | value |", "| --- | ---: |"] + goal if goal else ["(not enough results for ratios)"]


def models_of(section):
    return int(section["meta"].get("models") or 5000)


def growth_lines(base, grown):
    n0, n1 = models_of(base), models_of(grown)
    growth = n1 / n0
    top = base["top"]
    lines = [f"### Growth: {n0:,} to {n1:,} models, ai-tracker, no response cache, {top} connections", "",
             f"| query | req/s at {n0:,} | req/s at {n1:,} | slowdown | goal |", "| --- | ---: | ---: | ---: | ---: |"]
    queries = sorted({q for q, s, c in grown["by_key"] if s == "ai-tracker"}, key=lambda q: (q != "catalog_page", q))
    for query in queries:
        a, b = base["by_key"].get((query, "ai-tracker", top)), grown["by_key"].get((query, "ai-tracker", top))
        if not (a and b):
            continue
        goal = "≤ 1.5×" if query in PAGED else f"≤ {growth:g}×" if query == "statistics" else ""
        lines.append(f"| {query} | {a['rps']:.0f} | {b['rps']:.0f} | {a['rps'] / b['rps']:.2f}× | {goal} |")
    for key, label in (("rss_mb", "no response cache"), ("rss_cache_mb", "with the response cache")):
        if base["meta"].get(key) and grown["meta"].get(key):
            lines.append(f"| peak resident memory, {label} | {base['meta'][key]} MB | {grown['meta'][key]} MB | | ≤ 64 MB |")
    return lines


def sqlite_lines(sections):
    with_sqlite = [s for s in sections if any(srv == SQLITE for _, srv, _, _ in s["rows"])]
    if not with_sqlite:
        return []
    top = with_sqlite[0]["top"]
    head = "| query |" + "".join(f" Postgres {models_of(s):,} | SQLite {models_of(s):,} | SQLite/Postgres {models_of(s):,} |"
                                 for s in with_sqlite)
    lines = ["## SQLite (embedded default)", "",
             f"ai-tracker on an SQLite copy of the same catalog (`lib/to_sqlite.py`), {with_sqlite[0]['meta'].get('ai_tracker_build', '')} "
             f"build, no response cache, requests/s at {top} connections, next to ai-tracker on Postgres loaded in the "
             f"same run (one server after the other).", "",
             head, "| --- |" + " ---: | ---: | ---: |" * len(with_sqlite)]
    queries = sorted({q for s in with_sqlite for q, srv, c in s["by_key"] if srv == SQLITE},
                     key=lambda q: (q != "catalog_page", q))
    for query in queries:
        cells = []
        for s in with_sqlite:
            lite, pg = s["by_key"].get((query, SQLITE, top)), s["by_key"].get((query, "ai-tracker", top))
            cells += [f"{pg['rps']:.0f}" if pg else "", f"{lite['rps']:.0f}" if lite else "",
                      f"{lite['rps'] / pg['rps']:.2f}×" if lite and pg else ""]
        lines.append(f"| {query} | " + " | ".join(cells) + " |")
    cells = []
    for s in with_sqlite:
        m = s["meta"]
        cells += [f"{m['rss_mb']} MB" if m.get("rss_mb") else "", f"{m['sqlite_rss_mb']} MB" if m.get("sqlite_rss_mb") else "", ""]
    lines.append("| peak resident memory, no response cache (goal ≤ 64 MB) | " + " | ".join(cells) + " |")
    errors = [(models_of(s), q, c) for s in with_sqlite for (q, srv, c), r in s["by_key"].items()
              if srv == SQLITE and r.get("non2xx", 0) + r.get("socket_errors", 0) + r.get("graphql_errors", 0)]
    if errors:
        lines += ["", "Errors on SQLite: " + "; ".join(f"{q} at {c} connections, {n:,} models" for n, q, c in errors) + "."]
    skipped = sorted({q for s in with_sqlite for q, srv, c, r in s["rows"] if srv == SQLITE and r.get("skipped")})
    if skipped:
        lines += ["", "Skipped on SQLite: " + ", ".join(skipped) + "."]
    return lines


def summarize(out, dirs):
    """Writes results.md from run.sh's sections: the first is the base run (the 5,000-model
    catalog on Postgres: today's table and goal lines), each further one a larger catalog (its
    table, its goal lines and its growth against the first); the SQLite server's runs, from any
    section, go to a section of their own."""
    sections = [load_section(d) for d in dirs]
    base = sections[0]
    lines = ["# Benchmark results", ""] + meta_lines(base["meta"]) + [""] + results_table(base)
    lines += ["", f"## The issue's goal, nested catalog page at {base['top']} connections", ""] + goal_lines(base)
    for grown in sections[1:]:
        lines += ["", f"## {models_of(grown):,} models", ""] + meta_lines(grown["meta"]) + [""] + results_table(grown)
        lines += ["", f"### The issue's goals at {models_of(grown):,} models, {grown['top']} connections", ""] + goal_lines(grown)
        lines += [""] + growth_lines(base, grown)
    lite = sqlite_lines(sections)
    if lite:
        lines += [""] + lite
    with open(out, "w") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "body":
        print(body(args[0]))
    elif cmd == "check":
        sys.exit(check(args[0], args[1]))
    elif cmd == "same":
        sys.exit(same(*args))
    elif cmd == "summarize":
        summarize(args[0], args[1:])
    else:
        sys.exit(__doc__)
