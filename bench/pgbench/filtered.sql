-- The filtered page as ai-tracker issues it for bench/queries/filtered.graphql (open weights,
-- at least 1e24 FLOP, announced since 2023, published, largest first), read off the Postgres log
-- with log_statement = all: the page (51 rows, to know whether there is a next one), the
-- organizations of its models through the links in one join, and the total. run.sh passes the
-- page's ids (:filtered_ids) as the server holds them after the first statement, and the
-- filter's values (:since, :access); with -M prepared they are parameters, as the service's are.
\set min_compute 1e24
SELECT id, slug, name, name_key, announced_on, announced_precision, parameters, parameters_low,
       parameters_high, parameters_confidence, parameters_note, training_compute_flop,
       training_compute_flop_low, training_compute_flop_high, finetune_compute_flop,
       post_training_compute_flop, training_compute_confidence, training_compute_note,
       training_dataset, training_dataset_size, training_dataset_size_unit, hardware,
       training_cost_usd, training_cost_note, access, license, base_model_id, published, version,
       created_at, updated_at
  FROM model
 WHERE published = true AND announced_on >= :since AND training_compute_flop >= :min_compute
   AND access IN (:access)
 ORDER BY training_compute_flop DESC NULLS LAST, id ASC LIMIT 51;
SELECT o.id, o.slug, o.name, o.name_key, o.kind, o.country, o.website, o.description, o.version,
       o.created_at, o.updated_at, mo.model_id AS owner_id
  FROM organization o INNER JOIN model_organization mo ON o.id = mo.organization_id
 WHERE mo.model_id = ANY (:filtered_ids::int[]) ORDER BY mo.position ASC;
SELECT COUNT(*) AS num_items FROM (
  SELECT id, slug, name, name_key, announced_on, announced_precision, parameters, parameters_low,
         parameters_high, parameters_confidence, parameters_note, training_compute_flop,
         training_compute_flop_low, training_compute_flop_high, finetune_compute_flop,
         post_training_compute_flop, training_compute_confidence, training_compute_note,
         training_dataset, training_dataset_size, training_dataset_size_unit, hardware,
         training_cost_usd, training_cost_note, access, license, base_model_id, description,
         industry_context, published, version, created_at, updated_at
    FROM model
   WHERE published = true AND announced_on >= :since AND training_compute_flop >= :min_compute
     AND access IN (:access)) AS sub_query;
