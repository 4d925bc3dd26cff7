-- GIN twins of FerretDB's indexes, so that PostgreSQL can use them (run by scripts/services.ts
-- on the PostgreSQL database of the FerretDB it starts; safe to run again).
--
-- FerretDB 1.24 turns a filter on a field, `_id` included, into `_jsonb -> 'field' @> value`.
-- The indexes it creates for ours (and for `_id`) are btree indexes on `_jsonb -> 'field'`,
-- which cannot serve `@>`: every find scanned its whole table. A club's members were read by
-- scanning every member (54 ms a club at 20,000 members; 1,002 such reads for one broadcast).
-- A GIN index on the same expressions serves `@>`, as MongoDB's own index would serve the find.

CREATE OR REPLACE FUNCTION ishc_gin_twin(index_oid oid) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
  found record;
  columns text;
BEGIN
  SELECT i.indrelid::regclass AS tbl, c.relname AS name, am.amname AS method, i.indnkeyatts AS n
    INTO found
    FROM pg_index i
    JOIN pg_class c ON c.oid = i.indexrelid
    JOIN pg_am am ON am.oid = c.relam
   WHERE i.indexrelid = index_oid;
  -- Only FerretDB's btree indexes on its documents (the twin itself is a GIN index: no loop).
  IF found.method IS DISTINCT FROM 'btree' THEN RETURN; END IF;
  SELECT string_agg(format('(%s)', pg_get_indexdef(index_oid, k, true)), ', ')
    INTO columns
    FROM generate_series(1, found.n) AS k;
  IF columns NOT LIKE '%_jsonb ->%' THEN RETURN; END IF;
  EXECUTE format('CREATE INDEX IF NOT EXISTS %I ON %s USING gin (%s)',
                 left(found.name, 59) || '_gin', found.tbl, columns);
END $$;

CREATE OR REPLACE FUNCTION ishc_gin_twins_on_ddl() RETURNS event_trigger
LANGUAGE plpgsql AS $$
DECLARE
  created record;
BEGIN
  FOR created IN SELECT objid FROM pg_event_trigger_ddl_commands()
                  WHERE command_tag = 'CREATE INDEX' AND object_type = 'index' LOOP
    PERFORM ishc_gin_twin(created.objid);
  END LOOP;
END $$;

DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_event_trigger WHERE evtname = 'ishc_gin_twins') THEN
    CREATE EVENT TRIGGER ishc_gin_twins ON ddl_command_end WHEN TAG IN ('CREATE INDEX')
      EXECUTE FUNCTION ishc_gin_twins_on_ddl();
  END IF;
END $$;

-- The indexes FerretDB made before this ran, those without their twin yet (so a run finding
-- everything twinned takes no lock on any table).
SELECT count(ishc_gin_twin(i.indexrelid)) AS twins_made
  FROM pg_index i
  JOIN pg_class c ON c.oid = i.indexrelid
  JOIN pg_am am ON am.oid = c.relam
 WHERE am.amname = 'btree' AND pg_get_indexdef(i.indexrelid) LIKE '%_jsonb ->%'
   AND NOT EXISTS (SELECT 1 FROM pg_class twin
                    WHERE twin.relname = left(c.relname, 59) || '_gin'
                      AND twin.relnamespace = c.relnamespace);
