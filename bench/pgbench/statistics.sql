-- Statistics as ai-tracker issues it for bench/queries/statistics.graphql (grouped by year over
-- the published models), read off the Postgres log with log_statement = all: one statement that
-- reads three figures and the access of every published model (up to the service's cap of
-- 100,000 analysed models, +1 to tell it was reached); the service streams the rows and groups,
-- counts and takes minima, maxima, medians and geometric means itself. pgbench reads the same
-- rows and does none of that work.
\set analysed_cap 100001
SELECT id, announced_on, parameters, training_compute_flop, access
  FROM model WHERE published = true LIMIT :analysed_cap;
