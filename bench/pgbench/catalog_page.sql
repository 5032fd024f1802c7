-- The nested catalog page as a DataLoader-style server asks for it: three batched statements.
-- :ids is the page's 50 model ids (run.sh passes them with -D ids='{...}'), as the server
-- would hold them in memory after the first statement.
SELECT id, slug, name, announced_on, parameters, training_compute_flop, access
  FROM model WHERE published
 ORDER BY announced_on IS NULL, announced_on DESC, id
 LIMIT 51;
SELECT mo.model_id, o.slug, o.name, o.country
  FROM model_organization mo JOIN organization o ON o.id = mo.organization_id
 WHERE mo.model_id = ANY (:ids::int[])
 ORDER BY mo.model_id, mo.position;
SELECT mc.model_id, 'capability' AS kind, mc.status, c.slug, c.name, c.category, NULL AS summary
  FROM model_capability mc JOIN capability c ON c.id = mc.capability_id
 WHERE mc.model_id = ANY (:ids::int[])
UNION ALL
SELECT ra.model_id, 'risk', ra.horizon, ra.category, ra.severity, ra.likelihood, ra.summary
  FROM risk_assessment ra
 WHERE ra.model_id = ANY (:ids::int[]);
