-- The catalog page as ai-tracker issues it today (read off the Postgres log with
-- log_statement = all): five statements, each reading the columns the API shows for its rows
-- (the long texts, a model's description and industry context and an assessment's rationale,
-- are read apart when a query asks for them; a catalog page does not), the page read from
-- `idx_model_newest` (`announced_on DESC NULLS LAST, id`), organizations read through their
-- links in one join (with the model's id beside each), capability links alone and then the
-- capabilities they name. The service sends each list of ids as one array parameter
-- (`= ANY ($1)`), as here; run.sh passes :ids and :cap_ids, as the server holds them after the
-- statements before. Compare with catalog_page.sql.
SELECT id, slug, name, name_key, announced_on, announced_precision, parameters,
       parameters_confidence, parameters_note, training_compute_flop, training_compute_confidence,
       training_compute_note, training_dataset, training_dataset_size, training_dataset_size_unit,
       hardware, training_cost_usd, training_cost_note, access, license, base_model_id, published,
       version, created_at, updated_at
  FROM model WHERE published
 ORDER BY announced_on DESC NULLS LAST, id LIMIT 51;
SELECT o.*, mo.model_id AS owner_id
  FROM organization o INNER JOIN model_organization mo ON o.id = mo.organization_id
 WHERE mo.model_id = ANY (:ids::int[]) ORDER BY mo.position;
SELECT id, model_id, capability_id, status, evidence, source_url
  FROM model_capability WHERE model_id = ANY (:ids::int[]) ORDER BY status, id;
SELECT * FROM capability WHERE id = ANY (:cap_ids::int[]);
SELECT id, model_id, horizon, cause, category, severity, likelihood, summary, confidence,
       assessed_on, author, version
  FROM risk_assessment WHERE model_id = ANY (:ids::int[]) ORDER BY horizon, id;
