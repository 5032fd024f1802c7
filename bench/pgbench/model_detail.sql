-- A model page: the model by slug (its id kept with \gset, as a server keeps it), then every
-- relation by that id. :slug is passed by run.sh with -D slug=... (run with -M prepared:
-- variables become statement parameters).
SELECT *, id AS model_id, (base_model_id IS NOT NULL)::int AS has_base FROM model WHERE slug = :slug AND published \gset
SELECT alias FROM model_alias WHERE model_id = :model_id ORDER BY position;
SELECT direction, modality FROM model_modality WHERE model_id = :model_id;
SELECT o.slug, o.name, o.country, o.kind, o.website
  FROM model_organization mo JOIN organization o ON o.id = mo.organization_id
 WHERE mo.model_id = :model_id ORDER BY mo.position;
SELECT mc.status, mc.evidence, mc.source_url, c.slug, c.name, c.category
  FROM model_capability mc JOIN capability c ON c.id = mc.capability_id
 WHERE mc.model_id = :model_id ORDER BY mc.status, mc.id;
SELECT horizon, cause, category, severity, likelihood, summary, rationale, confidence, assessed_on, author
  FROM risk_assessment WHERE model_id = :model_id ORDER BY horizon, id;
-- Only when there is a base model (model-03530 of the 50,000-model catalog has none): a server
-- has nothing to look up without one.
\if :has_base
SELECT slug, name FROM model WHERE id = :base_model_id AND published;
\endif
SELECT slug, name FROM model WHERE base_model_id = :model_id AND published
 ORDER BY announced_on DESC NULLS LAST, id;
SELECT url, title FROM model_source WHERE model_id = :model_id ORDER BY position;
