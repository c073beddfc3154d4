-- Schema version 5: feedback letters (templates, letters with every version kept, what
-- happened to them) and organisations' letter preferences.

-- One template per outcome (funded, not_funded, waitlisted), last writer wins.
CREATE TABLE letter_template (
    kind      TEXT PRIMARY KEY,
    template  TEXT NOT NULL CHECK (json_valid(template))
);

-- One letter per application.
CREATE TABLE letter (
    id              TEXT PRIMARY KEY,
    application_id  TEXT NOT NULL UNIQUE REFERENCES application (id)
);

-- Every version is kept; an approved version is never changed (a later edit adds one).
CREATE TABLE letter_version (
    letter_id    TEXT NOT NULL REFERENCES letter (id),
    version      INTEGER NOT NULL CHECK (version >= 1),
    content      TEXT NOT NULL CHECK (json_valid(content)),
    approved_on  TEXT,
    hlc          TEXT NOT NULL,
    device_id    TEXT NOT NULL,
    PRIMARY KEY (letter_id, version)
) WITHOUT ROWID;

-- Facts: a version printed, or sent (date and how).
CREATE TABLE letter_state (
    id         TEXT PRIMARY KEY,
    letter_id  TEXT NOT NULL REFERENCES letter (id),
    version    INTEGER NOT NULL,
    state      TEXT NOT NULL CHECK (state IN ('printed', 'sent')),
    date       TEXT NOT NULL,
    how        TEXT CHECK (how IN ('post', 'email', 'hand')),
    hlc        TEXT NOT NULL,
    device_id  TEXT NOT NULL
);
CREATE INDEX letter_state_by_letter ON letter_state (letter_id);

CREATE TABLE organisation_preference (
    organisation_id  TEXT PRIMARY KEY REFERENCES organisation (id),
    large_print      INTEGER NOT NULL CHECK (large_print IN (0, 1))
);
