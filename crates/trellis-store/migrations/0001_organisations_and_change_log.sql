-- Schema version 1: this device, the change log, organisations and per-field clocks.

CREATE TABLE device (
    singleton  INTEGER PRIMARY KEY CHECK (singleton = 1),
    device_id  TEXT NOT NULL,
    -- Last hybrid-logical-clock value issued or observed here; never goes backwards.
    hlc        TEXT NOT NULL
);

-- Every change, local or (later) received from another device. A row is written once
-- and never updated: (device_id, device_seq) is its identity, (hlc, device_id) its place
-- in the total order, and payload the operation's JSON as the device wrote it.
CREATE TABLE change_log (
    id              TEXT PRIMARY KEY,
    device_id       TEXT NOT NULL,
    device_seq      INTEGER NOT NULL CHECK (device_seq >= 1),
    hlc             TEXT NOT NULL,
    schema_version  INTEGER NOT NULL,
    kind            TEXT NOT NULL,
    payload         TEXT NOT NULL CHECK (json_valid(payload)),
    UNIQUE (device_id, device_seq)
);
CREATE INDEX change_log_order ON change_log (hlc, device_id);

CREATE TABLE organisation (
    id                  TEXT PRIMARY KEY,
    name                TEXT NOT NULL,
    org_ref             TEXT NOT NULL,
    address             TEXT NOT NULL,
    postcode            TEXT NOT NULL,
    income_band         TEXT NOT NULL,
    led_by              TEXT NOT NULL CHECK (json_valid(led_by)),
    communities_served  TEXT NOT NULL CHECK (json_valid(communities_served))
);
CREATE INDEX organisation_org_ref ON organisation (org_ref);

-- Which change last wrote each field of a mutable record, for last-writer-wins merge.
CREATE TABLE field_clock (
    entity     TEXT NOT NULL,
    entity_id  TEXT NOT NULL,
    field      TEXT NOT NULL,
    hlc        TEXT NOT NULL,
    device_id  TEXT NOT NULL,
    PRIMARY KEY (entity, entity_id, field)
) WITHOUT ROWID;
