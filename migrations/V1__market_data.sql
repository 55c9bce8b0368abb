-- V1: the market_data table of the replaced system.
--
-- On a fresh database this creates the table exactly as that system did. On a database that
-- already holds it (made by the old DDL, with rows, without our history table) every statement is
-- a no-op: the table is adopted as it is, whatever its index names.

CREATE TABLE IF NOT EXISTS market_data (
    symbol      VARCHAR(20)      NOT NULL,
    timeframe   VARCHAR(10)      NOT NULL,
    "timestamp" TIMESTAMPTZ      NOT NULL,
    open_price  DOUBLE PRECISION NOT NULL,
    high_price  DOUBLE PRECISION NOT NULL,
    low_price   DOUBLE PRECISION NOT NULL,
    close_price DOUBLE PRECISION NOT NULL,
    volume      BIGINT           NOT NULL DEFAULT 0,
    created_at  TIMESTAMPTZ               DEFAULT now(),
    PRIMARY KEY (symbol, timeframe, "timestamp")
);

-- A hypertable where TimescaleDB is installed and loaded; plain PostgreSQL keeps a plain table.
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'timescaledb')
       AND current_setting('shared_preload_libraries', true) LIKE '%timescaledb%' THEN
        CREATE EXTENSION IF NOT EXISTS timescaledb;
        EXECUTE $sql$SELECT create_hypertable('market_data', 'timestamp',
                                              if_not_exists => TRUE, migrate_data => TRUE)$sql$;
    END IF;
END
$$;

-- The four secondary indexes, each created only when no index of the same definition exists
-- (under any name: the old system's, or TimescaleDB's default time index).
DO $$
DECLARE
    wanted RECORD;
BEGIN
    FOR wanted IN
        SELECT * FROM (VALUES
            ('ix_market_data_symbol_timeframe_timestamp', '(symbol, timeframe, "timestamp" DESC)'),
            ('ix_market_data_timestamp', '("timestamp" DESC)'),
            ('ix_market_data_symbol_timestamp', '(symbol, "timestamp" DESC)'),
            ('ix_market_data_covering',
             '(symbol, timeframe, "timestamp") INCLUDE (open_price, high_price, low_price, close_price, volume)')
        ) AS w(name, definition)
    LOOP
        IF NOT EXISTS (
            SELECT 1 FROM pg_index i
            WHERE i.indrelid = 'market_data'::regclass
              AND NOT i.indisunique
              AND split_part(pg_get_indexdef(i.indexrelid), ' USING btree ', 2) = wanted.definition
        ) THEN
            EXECUTE format('CREATE INDEX %I ON market_data USING btree %s', wanted.name, wanted.definition);
        END IF;
    END LOOP;
END
$$;
