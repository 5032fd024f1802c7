-- Search as ai-tracker issues it for bench/queries/search.graphql (`search(text: "nova",
-- first: 20)`), read off the Postgres log with log_statement = all, on the 5,000- and the
-- 50,000-model catalogs alike: each kind's first rank (a name starting with the text) as a
-- range of its name index in name order with a LIMIT (service/search.rs, tiers); "nova" starts
-- the names of enough models to fill the answer, so no later rank is read. Then the aliases of
-- the models found. The service runs the kinds side by side on three pooled connections; here
-- they run one after the other. run.sh passes the range (:search_from, :search_to: 'nova',
-- 'novb') and the models' ids (:search_ids), as the server holds them after the first
-- statement; with -M prepared they are parameters, as the service's are.
\set search_limit 20
SELECT id, slug, name, name_key, announced_on, announced_precision, parameters, parameters_low,
       parameters_high, parameters_confidence, parameters_note, training_compute_flop,
       training_compute_flop_low, training_compute_flop_high, finetune_compute_flop,
       post_training_compute_flop, training_compute_confidence, training_compute_note,
       training_dataset, training_dataset_size, training_dataset_size_unit, hardware,
       training_cost_usd, training_cost_note, access, license, base_model_id, published, version,
       created_at, updated_at
  FROM model
 WHERE published = true AND name_key >= :search_from AND name_key < :search_to
 ORDER BY name_key ASC, id ASC LIMIT :search_limit;
SELECT id, model_id, alias, position FROM model_alias WHERE model_id = ANY (:search_ids::int[]) ORDER BY position ASC;
SELECT id, slug, name, name_key, kind, country, website, description, version, created_at, updated_at
  FROM organization
 WHERE name_key >= :search_from AND name_key < :search_to
 ORDER BY name_key ASC, id ASC LIMIT :search_limit;
SELECT id, slug, name, name_key, category, description, version
  FROM capability
 WHERE name_key >= :search_from AND name_key < :search_to
 ORDER BY name_key ASC, id ASC LIMIT :search_limit;
