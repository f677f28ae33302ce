-- Fixed-window counters for platform_settings.rate_limit, shared by every node through the database.
CREATE TABLE rate_limits (
    bucket       VARCHAR(512) NOT NULL,
    window_start BIGINT       NOT NULL,
    hits         INTEGER      NOT NULL,
    PRIMARY KEY (bucket, window_start)
);
