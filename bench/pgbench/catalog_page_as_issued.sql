-- The catalog page as ai-tracker issues it today (read off the Postgres log with
-- log_statement = all): four statements, each reading the columns the API shows for its rows
-- (the long texts, a model's description and industry context and an assessment's rationale,
-- are read apart when a query asks for them; a catalog page does not), the page read from
-- `idx_model_newest` (`announced_on DESC NULLS LAST, id`), organizations read through their
-- links in one join (with the model's id beside each), capability links joined to the
-- capabilities they name (until issue 22's third session: the links, then the capabilities by
-- id). The service sends each list of ids as one array parameter (`= ANY ($1)`), as here;
-- run.sh passes :ids, as the server holds them after the page. Compare with catalog_page.sql.
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
SELECT mc.id, mc.model_id, mc.capability_id, mc.status, mc.evidence, mc.source_url,
       c.id, c.slug, c.name, c.name_key, c.category, c.description, c.version
  FROM model_capability mc INNER JOIN capability c ON mc.capability_id = c.id
 WHERE mc.model_id = ANY (:ids::int[]) ORDER BY mc.status, mc.id;
SELECT id, model_id, horizon, cause, category, severity, likelihood, summary, confidence,
       assessed_on, author, version
  FROM risk_assessment WHERE model_id = ANY (:ids::int[]) ORDER BY horizon, id;
