-- API tokens: how tools and scripts call the API, instead of sending a person's password with HTTP
-- Basic on every request (each of which costs an argon2 check). A token is 32 random bytes, so its
-- SHA-256 is what is stored and looked up, as for site tokens. A name is unique among a user's
-- active tokens.
CREATE TABLE api_tokens (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    revoked_at TEXT
);
CREATE UNIQUE INDEX api_tokens_active_name ON api_tokens (user_id, name) WHERE revoked_at IS NULL;
