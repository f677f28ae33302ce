-- `astrgate import astrbot`: which upstream rows were already imported, so a second run imports nothing twice.
CREATE TABLE imported_rows (
    source       VARCHAR(64)  NOT NULL,
    source_table VARCHAR(64)  NOT NULL,
    source_key   VARCHAR(255) NOT NULL,
    imported_at  TIMESTAMPTZ  NOT NULL DEFAULT now(),
    PRIMARY KEY (source, source_table, source_key)
);
-- Imported AstrBot keys keep upstream's hash ('pbkdf2:<hex>') until first use; auth looks them up by prefix.
CREATE INDEX api_keys_legacy_prefix ON api_keys (key_prefix) WHERE key_hash LIKE 'pbkdf2:%';
