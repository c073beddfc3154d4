-- Schema version 2: the relationship log, programme settings, meetings and issues.

CREATE TABLE contact (
    id               TEXT PRIMARY KEY,
    organisation_id  TEXT NOT NULL REFERENCES organisation (id),
    date             TEXT NOT NULL,
    kind             TEXT NOT NULL,
    by_whom          TEXT NOT NULL,
    notes            TEXT NOT NULL,
    follow_up        TEXT
);
CREATE INDEX contact_by_organisation ON contact (organisation_id, date);

CREATE TABLE setting (
    key    TEXT PRIMARY KEY,
    value  TEXT NOT NULL CHECK (json_valid(value))
);

CREATE TABLE meeting (
    id     TEXT PRIMARY KEY,
    kind   TEXT NOT NULL,
    title  TEXT NOT NULL,
    date   TEXT NOT NULL,
    venue  TEXT NOT NULL
);

CREATE TABLE issue (
    id           TEXT PRIMARY KEY,
    title        TEXT NOT NULL,
    description  TEXT NOT NULL,
    meeting_id   TEXT REFERENCES meeting (id),
    communities  TEXT NOT NULL CHECK (json_valid(communities)),
    quotes       TEXT NOT NULL CHECK (json_valid(quotes))
);
