-- Schema version 6: where this laptop is in its conversation with the sync server.

CREATE TABLE sync_state (
    singleton   INTEGER PRIMARY KEY CHECK (singleton = 1),
    -- The highest of this device's own changes the server has acknowledged.
    pushed_seq  INTEGER NOT NULL DEFAULT 0,
    -- The server sequence number of the last change pulled from the server.
    pull_cursor INTEGER NOT NULL DEFAULT 0
);
INSERT INTO sync_state (singleton) VALUES (1);
