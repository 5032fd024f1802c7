-- The raw-SQL ceiling of the nested catalog page: three batched statements that fetch what the
-- page shows, written as well as the schema allows. :ids is the page's 50 model ids (run.sh
-- passes them with -D ids='{...}'), as a server holds them after the first statement.
--
-- The page in the service's order (announced_on descending, NULLs last, then id), split so that
-- each half walks the announced_on index: dated models first, then the undated ones.
(SELECT id, slug, name, announced_on, parameters, training_compute_flop, access
   FROM model WHERE published AND announced_on IS NOT NULL
  ORDER BY announced_on DESC, id LIMIT 51)
UNION ALL
(SELECT id, slug, name, announced_on, parameters, training_compute_flop, access
   FROM model WHERE published AND announced_on IS NULL
  ORDER BY id LIMIT 51)
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
