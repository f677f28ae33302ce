-- Tables follow AstrBot v4.22's models; timestamps are timestamptz, JSON is jsonb.

CREATE TABLE api_keys (
    inner_id       BIGSERIAL PRIMARY KEY,
    key_id         VARCHAR(36)  NOT NULL UNIQUE,
    name           VARCHAR(255) NOT NULL,
    key_hash       VARCHAR(128) NOT NULL UNIQUE,
    key_prefix     VARCHAR(24)  NOT NULL,
    scopes         JSONB,
    created_by     VARCHAR(255) NOT NULL,
    bound_username VARCHAR(255),
    last_used_at   TIMESTAMPTZ,
    expires_at     TIMESTAMPTZ,
    revoked_at     TIMESTAMPTZ,
    created_at     TIMESTAMPTZ  NOT NULL DEFAULT now(),
    updated_at     TIMESTAMPTZ  NOT NULL DEFAULT now()
);

CREATE TABLE platform_sessions (
    inner_id     BIGSERIAL PRIMARY KEY,
    session_id   VARCHAR(100) NOT NULL UNIQUE,
    platform_id  VARCHAR(255) NOT NULL DEFAULT 'webchat',
    creator      VARCHAR(255) NOT NULL,
    display_name VARCHAR(255),
    is_group     INTEGER      NOT NULL DEFAULT 0,
    created_at   TIMESTAMPTZ  NOT NULL DEFAULT now(),
    updated_at   TIMESTAMPTZ  NOT NULL DEFAULT now()
);
-- Serves the session list: filter by creator (and platform), newest first, inner_id breaks ties.
CREATE INDEX platform_sessions_creator_updated ON platform_sessions (creator, updated_at DESC, inner_id DESC);

CREATE TABLE attachments (
    inner_attachment_id BIGSERIAL PRIMARY KEY,
    attachment_id       VARCHAR(36)  NOT NULL UNIQUE,
    path                VARCHAR(512) NOT NULL,
    type                VARCHAR(16)  NOT NULL,
    mime_type           VARCHAR(255) NOT NULL,
    size_bytes          BIGINT       NOT NULL,
    chunk_count         INTEGER      NOT NULL,
    sha256              VARCHAR(64)  NOT NULL,
    created_at          TIMESTAMPTZ  NOT NULL DEFAULT now(),
    updated_at          TIMESTAMPTZ  NOT NULL DEFAULT now()
);

-- Attachment bytes, split so that neither an upload nor a download holds a whole file in memory.
CREATE TABLE attachment_chunks (
    attachment_id VARCHAR(36) NOT NULL REFERENCES attachments (attachment_id) ON DELETE CASCADE,
    seq           INTEGER     NOT NULL,
    data          BYTEA       NOT NULL,
    PRIMARY KEY (attachment_id, seq)
);

CREATE TABLE platform_message_history (
    id          BIGSERIAL PRIMARY KEY,
    platform_id VARCHAR(255) NOT NULL,
    user_id     VARCHAR(255) NOT NULL,
    sender_id   VARCHAR(255),
    sender_name VARCHAR(255),
    content     JSONB        NOT NULL,
    created_at  TIMESTAMPTZ  NOT NULL DEFAULT now(),
    updated_at  TIMESTAMPTZ  NOT NULL DEFAULT now()
);
CREATE INDEX platform_message_history_user ON platform_message_history (platform_id, user_id, id);

CREATE TABLE conversations (
    inner_conversation_id BIGSERIAL PRIMARY KEY,
    conversation_id       VARCHAR(36)  NOT NULL UNIQUE,
    platform_id           VARCHAR(255) NOT NULL,
    user_id               VARCHAR(512) NOT NULL,
    content               JSONB,
    title                 VARCHAR(255),
    persona_id            VARCHAR(255),
    token_usage           INTEGER      NOT NULL DEFAULT 0,
    created_at            TIMESTAMPTZ  NOT NULL DEFAULT now(),
    updated_at            TIMESTAMPTZ  NOT NULL DEFAULT now()
);
CREATE INDEX conversations_user ON conversations (user_id);

CREATE TABLE preferences (
    id         BIGSERIAL PRIMARY KEY,
    scope      VARCHAR(64)  NOT NULL,
    scope_id   VARCHAR(512) NOT NULL,
    key        VARCHAR(255) NOT NULL,
    value      JSONB        NOT NULL,
    created_at TIMESTAMPTZ  NOT NULL DEFAULT now(),
    updated_at TIMESTAMPTZ  NOT NULL DEFAULT now(),
    UNIQUE (scope, scope_id, key)
);
