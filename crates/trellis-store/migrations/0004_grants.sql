-- Schema version 4: funding rounds, applications in any format, the panel, conflicts,
-- scores (drafts, submissions, revisions), agreed scores and decisions.

CREATE TABLE round (
    id      TEXT PRIMARY KEY,
    fields  TEXT NOT NULL CHECK (json_valid(fields))
);

CREATE TABLE round_extension (
    round_id         TEXT NOT NULL REFERENCES round (id),
    organisation_id  TEXT NOT NULL REFERENCES organisation (id),
    until            TEXT NOT NULL,
    PRIMARY KEY (round_id, organisation_id)
) WITHOUT ROWID;

CREATE TABLE panel_member (
    id    TEXT PRIMARY KEY,
    name  TEXT NOT NULL,
    role  TEXT NOT NULL
);

CREATE TABLE application (
    id               TEXT PRIMARY KEY,
    round_id         TEXT NOT NULL REFERENCES round (id),
    organisation_id  TEXT NOT NULL REFERENCES organisation (id),
    fields           TEXT NOT NULL CHECK (json_valid(fields))
);
CREATE INDEX application_by_round ON application (round_id);

CREATE TABLE application_attachment (
    id              TEXT PRIMARY KEY,
    application_id  TEXT NOT NULL REFERENCES application (id),
    sha256          TEXT NOT NULL,
    file_name       TEXT NOT NULL,
    media_type      TEXT NOT NULL,
    size_bytes      INTEGER NOT NULL
);

CREATE TABLE application_support (
    id              TEXT PRIMARY KEY,
    application_id  TEXT NOT NULL REFERENCES application (id),
    date            TEXT NOT NULL,
    kind            TEXT NOT NULL,
    by_whom         TEXT NOT NULL
);

CREATE TABLE assignment (
    application_id  TEXT NOT NULL REFERENCES application (id),
    assessor_id     TEXT NOT NULL REFERENCES panel_member (id),
    PRIMARY KEY (application_id, assessor_id)
) WITHOUT ROWID;

CREATE TABLE conflict_declaration (
    id              TEXT PRIMARY KEY,
    application_id  TEXT NOT NULL REFERENCES application (id),
    assessor_id     TEXT NOT NULL REFERENCES panel_member (id),
    conflicted      INTEGER NOT NULL CHECK (conflicted IN (0, 1)),
    note            TEXT NOT NULL,
    hlc             TEXT NOT NULL
);

-- The working draft: one per assessor and application, replaced last-writer-wins.
CREATE TABLE score_draft (
    application_id  TEXT NOT NULL REFERENCES application (id),
    assessor_id     TEXT NOT NULL REFERENCES panel_member (id),
    scores          TEXT NOT NULL CHECK (json_valid(scores)),
    PRIMARY KEY (application_id, assessor_id)
) WITHOUT ROWID;

-- Submissions and revisions: facts, all kept. The latest by clock is the current sheet.
CREATE TABLE score_submission (
    id              TEXT PRIMARY KEY,
    application_id  TEXT NOT NULL REFERENCES application (id),
    assessor_id     TEXT NOT NULL REFERENCES panel_member (id),
    scores          TEXT NOT NULL CHECK (json_valid(scores)),
    reason          TEXT,
    hlc             TEXT NOT NULL,
    device_id       TEXT NOT NULL
);
CREATE INDEX score_submission_by_application ON score_submission (application_id, assessor_id);

CREATE TABLE agreed_scores (
    id              TEXT PRIMARY KEY,
    application_id  TEXT NOT NULL REFERENCES application (id),
    agreed          TEXT NOT NULL CHECK (json_valid(agreed)),
    hlc             TEXT NOT NULL,
    device_id       TEXT NOT NULL
);

CREATE TABLE decision (
    id              TEXT PRIMARY KEY,
    application_id  TEXT NOT NULL REFERENCES application (id),
    decision        TEXT NOT NULL CHECK (json_valid(decision)),
    hlc             TEXT NOT NULL,
    device_id       TEXT NOT NULL
);
