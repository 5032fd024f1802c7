-- The limit store's one statement per operation (service/limit_store.rs, TAKE), for a client
-- among 1,000 addresses, charging 1 point of a 5,000-an-hour budget. Run with -M simple (pgbench
-- cannot type its variable inside the concatenation when preparing).
\set client random(1, 1000)
INSERT INTO limit_window AS w (key, tat, allowed)
VALUES ('budget:address:198.51.100.' || CAST(:client AS text), now() + make_interval(secs => CASE WHEN 0.72 <= 3600.0 OR false THEN 0.72 ELSE 0 END), 0.72 <= 3600.0 OR false)
ON CONFLICT (key) DO UPDATE SET
  allowed = GREATEST(w.tat, now()) + make_interval(secs => 0.72) <= now() + make_interval(secs => 3600.0) OR false,
  tat = CASE WHEN GREATEST(w.tat, now()) + make_interval(secs => 0.72) <= now() + make_interval(secs => 3600.0) OR false
             THEN GREATEST(w.tat, now()) + make_interval(secs => 0.72) ELSE w.tat END
RETURNING allowed, EXTRACT(EPOCH FROM tat - now())::float8 AS ahead;
