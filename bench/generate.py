#!/usr/bin/env python3
"""Writes a synthetic AI Tracker catalog as SQL (COPY blocks) on stdout, for `psql` to load
into a database whose schema came from `ai-tracker migrate`.

Deterministic: the same --seed gives byte-identical output (timestamps included), so every
benchmark run, ours or PostGraphile's or pgbench's, reads the very same rows.

Stored forms follow src/entity/*.rs and src/domain/enums.rs: enums as snake_case text,
name_key = trimmed lower-case name, version = 1, ids assigned here (the sequences are set
past them at the end).
"""

import argparse
import datetime as dt
import json
import math
import random
import sys

# The default catalog: 5,000 models, and relations in these proportions to them.
ORGS, CAPS, MODELS, CAP_LINKS, RISKS = 200, 50, 5000, 20000, 15000


def sizes(models):
    """The counts for a catalog of `models`: organizations, model-capability links and risk
    assessments grow in proportion (25 models an organization, 4 links and 3 assessments a
    model); the capabilities are a taxonomy, not a population, and stay 50."""
    return (max(1, models * ORGS // MODELS), CAPS, models, models * CAP_LINKS // MODELS,
            models * RISKS // MODELS)
NOW = "2026-11-29 00:00:00+00"
LOADER = "AI Tracker benchmark generator"

# Roughly where notable models have come from (Epoch AI's data, rounded).
COUNTRIES = [("US", 46), ("CN", 20), ("GB", 6), ("FR", 4), ("DE", 3), ("CA", 3), ("KR", 3), ("JP", 3),
             ("IL", 2), ("AE", 2), ("IN", 2), ("CH", 2), ("SG", 1), ("NL", 1), ("SE", 1), ("RU", 1)]
ORG_KINDS = [("industry", 70), ("academia", 18), ("nonprofit", 5), ("government", 4), ("collaboration", 3)]
ACCESS = [("open_weights", 40), ("api", 30), ("product", 8), ("restricted", 10), ("unreleased", 12)]
CONFIDENCE = [("confirmed", 40), ("likely", 35), ("speculative", 20), ("unknown", 5)]
CAP_CATEGORIES = ["language", "reasoning", "code", "vision", "audio", "video", "agency", "science", "dual_use"]
MODALITIES = ["text", "code", "image", "video", "audio", "speech", "action", "embedding", "molecule"]
RISK_CATEGORIES = ["disinformation", "cyber_offense", "bio_chem", "fraud_impersonation", "privacy",
                   "bias_harmful_content", "autonomy_loss_of_control", "labor_economic",
                   "concentration_of_power", "overreliance"]
SIZE_UNITS = [("tokens", 70), ("images", 10), ("image_text_pairs", 10), ("audio_hours", 5), ("other", 5)]
HARDWARE = ["NVIDIA V100", "NVIDIA A100 SXM4 80GB", "NVIDIA H100 SXM5 80GB", "Google TPU v4", "Google TPU v5p",
            "NVIDIA H800", "Huawei Ascend 910B", "NVIDIA B200", "AMD MI300X"]
LICENSES = ["Apache-2.0", "MIT", "Llama Community License", "CC-BY-NC-4.0", "OpenRAIL-M", "Proprietary"]
WORDS = ["atlas", "nova", "orion", "lumen", "vega", "helix", "quanta", "cortex", "sigma", "aurora", "zephyr",
         "titan", "echo", "pulse", "nimbus", "onyx", "delta", "prism", "raven", "sol", "terra", "vertex",
         "kite", "ember", "flux", "ion", "lyra", "mosaic", "nexus", "polar"]


def pick(rng, weighted):
    return rng.choices([v for v, _ in weighted], weights=[w for _, w in weighted])[0]


def copy(table, columns, rows):
    """One COPY block in PostgreSQL's text format."""
    out = [f"COPY {table} ({', '.join(columns)}) FROM stdin;"]
    for row in rows:
        out.append("\t".join(cell(v) for v in row))
    out.append("\\.")
    return "\n".join(out) + "\n"


def cell(v):
    if v is None:
        return "\\N"
    if isinstance(v, bool):
        return "t" if v else "f"
    if isinstance(v, float):
        return repr(v)
    s = str(v)
    return s.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def sentence(rng, n):
    return " ".join(rng.choice(WORDS) for _ in range(n)).capitalize() + "."


def generate(seed, models=MODELS, history=False):
    ORGS, CAPS, MODELS, CAP_LINKS, RISKS = sizes(models)  # noqa: N806 (the module's names, scaled)
    rng = random.Random(seed)
    out = []

    orgs = []
    for i in range(1, ORGS + 1):
        name = f"{rng.choice(WORDS).capitalize()} {rng.choice(['Labs', 'AI', 'Research', 'Institute', 'Systems'])} {i}"
        orgs.append((i, f"org-{i:03d}", name, name.strip().lower(), pick(rng, ORG_KINDS), pick(rng, COUNTRIES),
                     f"https://org-{i:03d}.example.org", sentence(rng, 20), 1, NOW, NOW))
    out.append(copy("organization", ["id", "slug", "name", "name_key", "kind", "country", "website",
                                     "description", "version", "created_at", "updated_at"], orgs))

    caps = []
    for i in range(1, CAPS + 1):
        name = f"{rng.choice(WORDS).capitalize()} capability {i}"
        caps.append((i, f"cap-{i:02d}", name, name.lower(), CAP_CATEGORIES[i % len(CAP_CATEGORIES)],
                     sentence(rng, 25), 1, NOW, NOW))
    out.append(copy("capability", ["id", "slug", "name", "name_key", "category", "description", "version",
                                   "created_at", "updated_at"], caps))

    # Announcement dates: the number of models grows roughly 30% a year, so draw the year
    # from an exponential and sort, which also makes ids follow time (lineage points back).
    start, end = dt.date(2012, 1, 1), dt.date(2026, 11, 1)
    span = (end - start).days
    days = sorted(int(span * math.log1p(rng.random() * (math.e ** 3.5 - 1)) / 3.5) for _ in range(MODELS))
    models, aliases, model_orgs, modalities, sources = [], [], [], [], []
    alias_id = source_id = 0
    for i, day in enumerate(days, start=1):
        announced = start + dt.timedelta(days=day)
        t = day / span  # 0 in 2012 .. 1 in late 2026
        params = 10 ** min(math.log10(2e12), max(8.0, 8.0 + 3.6 * t + rng.gauss(0, 0.7)))
        compute = 10 ** min(math.log10(5e26), max(20.0, 20.0 + 6.5 * t + rng.gauss(0, 0.6)))
        p_conf, c_conf = pick(rng, CONFIDENCE), pick(rng, CONFIDENCE)
        has_params, has_compute = rng.random() < 0.9, rng.random() < 0.8
        unit = pick(rng, SIZE_UNITS)
        access = pick(rng, ACCESS)
        name = f"{rng.choice(WORDS).capitalize()}-{rng.choice(WORDS).capitalize()} {i}"
        base = rng.randint(1, i - 1) if i > 50 and rng.random() < 0.15 else None
        cost = compute / 1e17 * rng.uniform(0.5, 2.0) if rng.random() < 0.3 else None
        models.append((
            i, f"model-{i:05d}", name, name.lower(), announced.isoformat(),
            rng.choice(["day", "day", "month", "year"]),
            params if has_params else None, p_conf if has_params else "unknown",
            None if p_conf == "confirmed" or not has_params else "Estimated from comparable models.",
            compute if has_compute else None, c_conf if has_compute else "unknown",
            None if c_conf == "confirmed" or not has_compute else "6 x parameters x tokens.",
            sentence(rng, 8), 10 ** rng.uniform(9, 13.5), unit, rng.choice(HARDWARE),
            cost, "Cloud list prices." if cost else None, access,
            rng.choice(LICENSES) if access == "open_weights" else None, base,
            sentence(rng, 60), sentence(rng, 40), rng.random() < 0.98, 1, NOW, NOW))
        for pos, alias in enumerate(sorted({f"{name} v{k}" for k in range(rng.randint(0, 2))})):
            alias_id += 1
            aliases.append((alias_id, i, alias, pos))
        for pos, org in enumerate(rng.sample(range(1, ORGS + 1), rng.choice([1, 1, 1, 2, 2, 3]))):
            model_orgs.append((i, org, pos))
        inputs = {"text"} | set(rng.sample(MODALITIES, rng.randint(0, 2)))
        outputs = set(rng.sample(MODALITIES[:4], rng.randint(1, 2)))
        modalities += [(i, "input", m) for m in sorted(inputs)] + [(i, "output", m) for m in sorted(outputs)]
        for pos in range(rng.randint(1, 2)):
            source_id += 1
            sources.append((source_id, i, f"https://example.org/models/{i}/{pos}", f"Source {pos + 1}", pos))
    out.append(copy("model", ["id", "slug", "name", "name_key", "announced_on", "announced_precision",
                              "parameters", "parameters_confidence", "parameters_note", "training_compute_flop",
                              "training_compute_confidence", "training_compute_note", "training_dataset",
                              "training_dataset_size", "training_dataset_size_unit", "hardware",
                              "training_cost_usd", "training_cost_note", "access", "license", "base_model_id",
                              "description", "industry_context", "published", "version", "created_at",
                              "updated_at"], models))
    out.append(copy("model_alias", ["id", "model_id", "alias", "position"], aliases))
    out.append(copy("model_organization", ["model_id", "organization_id", "position"], model_orgs))
    out.append(copy("model_modality", ["model_id", "direction", "modality"], modalities))
    out.append(copy("model_source", ["id", "model_id", "url", "title", "position"], sources))

    # Distinct (model, capability) pairs: the table has a unique index on them.
    links = []
    for n, pair in enumerate(sorted(rng.sample(range(MODELS * CAPS), CAP_LINKS)), start=1):
        model_id, cap_id = pair // CAPS + 1, pair % CAPS + 1
        status = "demonstrated" if rng.random() < 0.7 else "extrapolated"
        links.append((n, model_id, cap_id, status, sentence(rng, 12), f"https://example.org/evidence/{n}", 1, NOW, NOW))
    out.append(copy("model_capability", ["id", "model_id", "capability_id", "status", "evidence", "source_url",
                                         "version", "created_at", "updated_at"], links))

    risks = []
    for n in range(1, RISKS + 1):
        model_id = rng.randint(1, MODELS)
        assessed = dt.date(2024, 1, 1) + dt.timedelta(days=rng.randint(0, 1030))
        risks.append((n, model_id, rng.choice(["immediate", "near_term"]),
                      rng.choice(["accidental", "malicious", "structural"]), rng.choice(RISK_CATEGORIES),
                      rng.choice(["low", "medium", "high", "critical"]), rng.choice(["low", "medium", "high"]),
                      sentence(rng, 15), sentence(rng, 80), pick(rng, CONFIDENCE), assessed.isoformat(),
                      rng.choice([None, "AI Tracker editors"]), 1, NOW, NOW))
    out.append(copy("risk_assessment", ["id", "model_id", "horizon", "cause", "category", "severity",
                                        "likelihood", "summary", "rationale", "confidence", "assessed_on", "author",
                                        "version", "created_at", "updated_at"], risks))

    # One "create" revision per entry, as a bulk load through the service would write. `after`
    # holds the stored row (not the service's full record with its lists): enough for history
    # pages, which is all a benchmark reads.
    published = {m[0]: m[23] for m in models}
    revs = []
    for kind, rows, cols in [("organization", orgs, ["slug", "name"]), ("capability", caps, ["slug", "name"]),
                             ("model", models, ["slug", "name"])]:
        for r in rows:
            public = published[r[0]] if kind == "model" else True
            revs.append((len(revs) + 1, kind, r[0], "create", LOADER, json.dumps(dict(zip(cols, r[1:3]))), NOW, public))
    for r in risks:
        revs.append((len(revs) + 1, "risk_assessment", r[0], "create", LOADER,
                     json.dumps({"model_id": r[1], "summary": r[7]}), NOW, published[r[1]]))
    if history:
        revs = full_revisions(orgs, caps, models, aliases, model_orgs, modalities, sources, links, risks)
    out.append(copy("revision", ["id", "entity_type", "entity_id", "action", "author_name", "after", "created_at",
                                 "public"], revs))

    for table in ["organization", "capability", "model", "model_alias", "model_source", "model_capability",
                  "risk_assessment", "revision"]:
        out.append(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}));\n")
    return "".join(out)


# With --history: the catalog's past, as the revision log of an editing team would hold it.
# Every entry is created a month before NOW; each model's compute and parameter figures are then
# revised twice (to 0.8x, then to today's), so a model has three full-record revisions at
# distinct times (ids in time order, as the service stamps them). The live rows are today's, so
# every answer about the present is unchanged; `ai-tracker rebuild-history` replays the log
# into the history that `asRecordedAt` reads.
HISTORY_START = dt.datetime(2026, 10, 29, tzinfo=dt.timezone.utc)


def full_revisions(orgs, caps, models, aliases, model_orgs, modalities, sources, links, risks):
    by_model = {}
    for table, rows in [("aliases", aliases), ("orgs", model_orgs), ("modalities", modalities),
                        ("sources", sources), ("links", links)]:
        for r in rows:
            key = r[1] if table in ("aliases", "sources", "links") else r[0]
            by_model.setdefault(key, {}).setdefault(table, []).append(r)
    revs = []
    clock = [HISTORY_START]

    def add(kind, entity, action, record, public):
        clock[0] += dt.timedelta(seconds=1)
        revs.append((len(revs) + 1, kind, entity, action, LOADER, json.dumps(record, sort_keys=True),
                     clock[0].strftime("%Y-%m-%d %H:%M:%S+00"), public))

    for o in orgs:
        add("organization", o[0], "create", {"slug": o[1], "name": o[2], "kind": o[4], "country": o[5],
                                             "website": o[6], "description": o[7]}, True)
    for c in caps:
        add("capability", c[0], "create", {"slug": c[1], "name": c[2], "category": c[4], "description": c[5]},
            True)

    def record(m, scale):
        rel = by_model.get(m[0], {})
        scaled = (lambda v: None if v is None else v * scale)
        return {
            "slug": m[1], "name": m[2],
            "aliases": [a[2] for a in sorted(rel.get("aliases", []), key=lambda a: a[3])],
            "organizationIds": [o[1] for o in sorted(rel.get("orgs", []), key=lambda o: o[2])],
            "announcedOn": m[4], "announcedPrecision": m[5],
            "inputModalities": [x[2] for x in rel.get("modalities", []) if x[1] == "input"],
            "outputModalities": [x[2] for x in rel.get("modalities", []) if x[1] == "output"],
            "parameters": scaled(m[6]), "parametersLow": None, "parametersHigh": None,
            "parametersConfidence": m[7], "parametersNote": m[8],
            "trainingComputeFlop": scaled(m[9]), "trainingComputeFlopLow": None, "trainingComputeFlopHigh": None,
            "finetuneComputeFlop": None, "postTrainingComputeFlop": None,
            "trainingComputeConfidence": m[10], "trainingComputeNote": m[11],
            "trainingDataset": m[12], "trainingDatasetSize": m[13], "trainingDatasetSizeUnit": m[14],
            "datasetIds": [], "hardware": m[15], "trainingCostUsd": m[16], "trainingCostNote": m[17],
            "access": m[18], "license": m[19], "baseModelId": m[20], "description": m[21],
            "industryContext": m[22],
            "capabilities": [{"capabilityId": l[2], "status": l[3], "evidence": l[4], "sourceUrl": l[5]}
                             for l in sorted(rel.get("links", []), key=lambda l: l[2])],
            "sources": [{"url": x[2], "title": x[3]} for x in sorted(rel.get("sources", []), key=lambda x: x[4])],
            "published": m[23],
        }

    for m in models:
        add("model", m[0], "create", record(m, 0.5), m[23])
    for r in risks:
        add("risk_assessment", r[0], "create", {
            "modelId": r[1], "horizon": r[2], "cause": r[3], "category": r[4], "severity": r[5],
            "likelihood": r[6], "summary": r[7], "rationale": r[8], "confidence": r[9], "assessedOn": r[10],
            "author": r[11], "mitSubdomain": None, "mitEntity": None, "mitIntent": None, "mitTiming": None,
            "sourceUrl": None}, True)
    for scale in (0.8, 1.0):
        for m in models:
            add("model", m[0], "update", record(m, scale), m[23])
    return revs


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--models", type=int, default=MODELS,
                        help="how many models (5,000; relations in proportion, see sizes())")
    parser.add_argument("--history", action="store_true",
                        help="write three full-record revisions per model at distinct times (see full_revisions)")
    args = parser.parse_args()
    if args.models < 51:
        parser.error("--models must be at least 51 (models past the 50th may have a base model)")
    sys.stdout.write("BEGIN;\n" + generate(args.seed, args.models, args.history) + "COMMIT;\nANALYZE;\n")


if __name__ == "__main__":
    main()
