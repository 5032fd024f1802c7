#!/usr/bin/env python3
"""GraphQL helpers for run.sh (standard library only).

  gql.py body FILE          the JSON request body for a .graphql file, on stdout
  gql.py check URL FILE     sends it once; exit 0 if it returns data without errors,
                            3 if the file is marked `# requires: X` and the server lacks
                            the fields it asks for (skip it), 1 otherwise (with the reason)
  gql.py same OURS PGL DIR  exit 0 if ai-tracker (URL OURS) and PostGraphile (URL PGL) give the
                            same catalog page for DIR's two catalog_page.graphql files
  gql.py summarize DIR OUT  writes the markdown results table from DIR's result lines
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


def _empty_lists(value):
    """True when a top-level page (`nodes`) is empty: a benchmark of an empty page is worthless."""
    if isinstance(value, dict):
        return any(k == "nodes" and v == [] for k, v in value.items()) or any(
            _empty_lists(v) for v in value.values() if isinstance(v, dict))
    return False


def post(url, path):
    req = urllib.request.Request(url, data=body(path).encode(), headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as resp:
        return json.load(resp)["data"]


def same(ours_url, pgl_url, bench_dir):
    """Both servers must answer the catalog page with the same models, lists and order: a
    comparison of two different pages would measure nothing."""
    ours = post(ours_url, os.path.join(bench_dir, "queries/catalog_page.graphql"))["models"]["nodes"]
    pgl = post(pgl_url, os.path.join(bench_dir, "postgraphile/queries/catalog_page.graphql"))["allModels"]["nodes"]
    # PostGraphile shows the stored snake_case text where we show GraphQL enums.
    ours = [(m["slug"], m["announcedOn"], m["access"], [o["slug"] for o in m["organizations"]],
             [(c["status"], c["capability"]["slug"]) for c in m["capabilities"]],
             [(r["horizon"], r["category"], r["summary"]) for r in m["riskAssessments"]]) for m in ours]
    pgl = [(m["slug"], m["announcedOn"], m["access"].upper(),
            [o["organizationByOrganizationId"]["slug"] for o in m["modelOrganizationsByModelId"]["nodes"]],
            [(c["status"].upper(), c["capabilityByCapabilityId"]["slug"]) for c in m["modelCapabilitiesByModelId"]["nodes"]],
            [(r["horizon"].upper(), r["category"].upper(), r["summary"]) for r in m["riskAssessmentsByModelId"]["nodes"]])
           for m in pgl]
    if ours != pgl:
        diff = next((a, b) for a, b in zip(ours, pgl) if a != b) if len(ours) == len(pgl) else (len(ours), len(pgl))
        print(f"the catalog pages differ: {diff}", file=sys.stderr)
        return 1
    print(f"same catalog page: {len(ours)} models, {sum(len(m[3]) for m in ours)} organizations, "
          f"{sum(len(m[4]) for m in ours)} capabilities, {sum(len(m[5]) for m in ours)} risk assessments",
          file=sys.stderr)
    return 0


def summarize(results_dir, out):
    """results_dir holds lines `query<TAB>server<TAB>connections<TAB>{json}` in results.tsv."""
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

    lines = ["# Benchmark results", ""]
    for key in ["date", "command", "machine", "duration", "ai_tracker_build", "postgres", "models", "note"]:
        if meta.get(key):
            lines.append(f"- **{key.replace('_', ' ')}**: {meta[key]}")
    lines += ["", "| query | server | connections | req/s | p50 ms | p99 ms | errors |",
              "| --- | --- | ---: | ---: | ---: | ---: | ---: |"]
    by_key, skipped = {}, {}
    many = " (1000 addresses)"
    servers = ["ai-tracker", "ai-tracker+budget", "ai-tracker+budget-exact", "ai-tracker" + many,
               "ai-tracker+budget" + many, "ai-tracker+budget-exact" + many, "ai-tracker+cache", "ai-tracker (SQLite)", "postgraphile",
               "pgbench"]
    rows.sort(key=lambda r: (r[0] != "catalog_page", r[0], servers.index(r[1]) if r[1] in servers else 9, r[2]))
    for query, server, conns, r in rows:
        if r.get("skipped"):
            skipped.setdefault(query, set()).add(server)
            continue
        errs = r.get("non2xx", 0) + r.get("socket_errors", 0) + r.get("graphql_errors", 0)
        lines.append(f"| {query} | {server} | {conns} | {r['rps']:.0f} | {r['p50_ms']:.1f} | {r['p99_ms']:.1f} | {errs} |")
        by_key[(query, server, conns)] = r
    if skipped:
        lines += ["", "Skipped (the server lacks the analytics API): " +
                  "; ".join(f"{q} ({', '.join(sorted(s))})" for q, s in sorted(skipped.items())) + "."]

    # The goal is stated at 64 connections: use the most measured.
    top = max((c for q, _, c in by_key if q == "catalog_page"), default=64)
    lines += ["", f"## The issue's goal, nested catalog page at {top} connections", ""]
    ours, cached, pg, sql = (by_key.get(("catalog_page", s, top))
                             for s in ("ai-tracker", "ai-tracker+cache", "postgraphile", "pgbench"))
    goal = []
    if ours and pg:
        goal.append(f"| throughput vs PostGraphile, no response cache (goal ≥ 2×) | {ours['rps'] / pg['rps']:.2f}× |")
    if cached and pg:
        goal.append(f"| throughput vs PostGraphile, with the response cache (goal ≥ 10×) | {cached['rps'] / pg['rps']:.2f}× |")
    if ours and pg:
        goal.append(f"| p99 latency vs PostGraphile, no response cache (goal ≤ 0.5×) | {ours['p99_ms'] / pg['p99_ms']:.2f}× |")
    if cached and pg:
        goal.append(f"| p99 latency vs PostGraphile, with the response cache (goal ≤ 0.5×) | {cached['p99_ms'] / pg['p99_ms']:.3f}× |")
    if ours and sql:
        goal.append(f"| throughput vs raw SQL ceiling, no response cache (stretch ≥ 0.5×) | {ours['rps'] / sql['rps']:.2f}× |")
    # The query budget's cost: each budget server against ai-tracker loaded by the same script
    # (one address, or 1,000), per query.
    for query in ("catalog_page", "filtered", "model_detail"):
        for clients in ("", many):
            base = by_key.get((query, "ai-tracker" + clients, top))
            for variant, how in (("ai-tracker+budget", "leases"), ("ai-tracker+budget-exact", "exact takes")):
                budget = by_key.get((query, variant + clients, top))
                if base and budget:
                    who = "1,000 addresses" if clients else "one address"
                    goal.append(f"| throughput lost to the query budget ({how}), {query}, {who} (goal < 5 %) | "
                                f"{(1 - budget['rps'] / base['rps']) * 100:.1f} % |")
    if meta.get("rss_mb"):
        goal.append(f"| ai-tracker resident memory under load, peak, no response cache (goal ≤ 64 MB) | {meta['rss_mb']} MB |")
    if meta.get("rss_cache_mb"):
        goal.append(f"| ai-tracker resident memory under load, peak, with the response cache (goal ≤ 64 MB) | {meta['rss_cache_mb']} MB |")
    if meta.get("postgraphile_rss_mb"):
        goal.append(f"| PostGraphile (Node) resident memory under load, peak, for comparison | {meta['postgraphile_rss_mb']} MB |")
    if meta.get("sqlite_rss_mb"):
        goal.append(f"| ai-tracker on SQLite (the embedded default) resident memory under load, peak, no response cache | {meta['sqlite_rss_mb']} MB |")
    for query in sorted({q for q, s, c in by_key if s == "ai-tracker (SQLite)" and c == top}):
        lite, base = by_key[(query, "ai-tracker (SQLite)", top)], by_key.get((query, "ai-tracker", top))
        if base:
            goal.append(f"| ai-tracker on SQLite vs on Postgres, {query} throughput | {lite['rps'] / base['rps']:.2f}× |")
    if meta.get("statements_per_request"):
        goal.append(f"| SQL statements per catalog-page request | {meta['statements_per_request']} |")
    lines += ["| measure | value |", "| --- | ---: |"] + goal if goal else ["(not enough results for ratios)"]
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
        summarize(args[0], args[1])
    else:
        sys.exit(__doc__)
