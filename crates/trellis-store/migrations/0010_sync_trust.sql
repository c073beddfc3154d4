-- Schema version 10: what sync could not take at face value.

-- Changes received from other devices that cannot be applied here (yet): a record they
-- need has not arrived, they were made by a newer Trellis, or they are damaged. Kept
-- whole with the reason, retried after every pulled page, and never in change_log until
-- they apply, so one bad change never stops the rest.
CREATE TABLE quarantine (
    device_id   TEXT NOT NULL,
    device_seq  INTEGER NOT NULL,
    change_id   TEXT NOT NULL,
    kind        TEXT NOT NULL,
    -- The user the server says the sending laptop syncs as, when it says.
    sent_by     TEXT,
    row_json    TEXT NOT NULL,
    reason      TEXT NOT NULL,
    first_seen  TEXT NOT NULL,
    PRIMARY KEY (device_id, device_seq)
);

-- This laptop's own changes that the server refused for good. They stay in change_log
-- (this laptop's series stays whole) but no other device will ever receive them.
CREATE TABLE set_aside (
    device_id   TEXT NOT NULL,
    device_seq  INTEGER NOT NULL,
    error       TEXT NOT NULL,
    reason      TEXT NOT NULL,
    at          TEXT NOT NULL,
    PRIMARY KEY (device_id, device_seq)
);

-- Each time this database found it was a restored backup or a copy of another laptop's
-- database, and carried on as a new device of the same user.
CREATE TABLE device_history (
    old_device  TEXT NOT NULL,
    new_device  TEXT NOT NULL,
    -- How many of this laptop's unsent changes moved to the new device.
    moved       INTEGER NOT NULL,
    at          TEXT NOT NULL,
    reason      TEXT NOT NULL
);
