-- Statistics as ai-tracker issues it for bench/queries/statistics.graphql (grouped by year over
-- the published models), read off its statement log (RUST_LOG=ai_tracker=trace): on Postgres one
-- statement groups and summarises in SQL (service/statistics/in_postgres.rs): counts, min, max,
-- the two middle values for the median (one sort: percentile_disc at 0.5 and at 0.500001 share
-- it), and the sum of base-10 logarithms in ascending order for the geometric mean, over at most
-- the service's cap of 100,000 analysed models (+1 to tell it was reached). The figures are read
-- from idx_model_figures (migration 17), an index-only scan, by each use of `analysed` (not
-- materialised). Until issue 22's second session the service read every model's figures and
-- summarised them itself; that statement ran at 303–348 requests/s here on 5,000 models.
\set analysed_cap 100001
WITH analysed AS NOT MATERIALIZED (SELECT "model"."id", "model"."announced_on", "model"."parameters", "model"."training_compute_flop", "model"."access"
    FROM "model" WHERE "model"."published" = TRUE LIMIT :analysed_cap)
SELECT EXTRACT(YEAR FROM a.announced_on)::integer AS d_year, count(*) AS n,
  count(a.parameters) AS parameters_n, min(a.parameters) AS parameters_min, max(a.parameters) AS parameters_max,
  percentile_disc(0.5) WITHIN GROUP (ORDER BY a.parameters) AS parameters_low_middle,
  percentile_disc(0.500001) WITHIN GROUP (ORDER BY a.parameters) AS parameters_high_middle,
  count(CASE WHEN a.parameters > 0 THEN 1 END) AS parameters_positive,
  sum(log(CASE WHEN a.parameters > 0 THEN a.parameters END) ORDER BY a.parameters) AS parameters_log_sum,
  count(a.training_compute_flop) AS compute_n, min(a.training_compute_flop) AS compute_min,
  max(a.training_compute_flop) AS compute_max,
  percentile_disc(0.5) WITHIN GROUP (ORDER BY a.training_compute_flop) AS compute_low_middle,
  percentile_disc(0.500001) WITHIN GROUP (ORDER BY a.training_compute_flop) AS compute_high_middle,
  count(CASE WHEN a.training_compute_flop > 0 THEN 1 END) AS compute_positive,
  sum(log(CASE WHEN a.training_compute_flop > 0 THEN a.training_compute_flop END) ORDER BY a.training_compute_flop) AS compute_log_sum,
  min(a.announced_on) AS first_announced, max(a.announced_on) AS last_announced,
  (SELECT count(*) FROM analysed) AS analysed
FROM analysed AS a GROUP BY EXTRACT(YEAR FROM a.announced_on)::integer;
