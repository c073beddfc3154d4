-- Schema version 3: meetings' times and facilitators, attendance, notes, evidence, issue
-- merges, ballots, tokens, votes and the facts that correct them.

ALTER TABLE meeting ADD COLUMN time TEXT;
ALTER TABLE meeting ADD COLUMN facilitators TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(facilitators));

CREATE TABLE attendance (
    id               TEXT PRIMARY KEY,
    meeting_id       TEXT NOT NULL REFERENCES meeting (id),
    organisation_id  TEXT REFERENCES organisation (id),
    name             TEXT NOT NULL,
    walk_in          INTEGER NOT NULL CHECK (walk_in IN (0, 1))
);
CREATE INDEX attendance_by_meeting ON attendance (meeting_id);

CREATE TABLE meeting_note (
    id          TEXT PRIMARY KEY,
    meeting_id  TEXT NOT NULL REFERENCES meeting (id),
    text        TEXT NOT NULL,
    issue_ids   TEXT NOT NULL CHECK (json_valid(issue_ids))
);

ALTER TABLE issue ADD COLUMN merged_into TEXT REFERENCES issue (id);

CREATE TABLE issue_evidence (
    id        TEXT PRIMARY KEY,
    issue_id  TEXT NOT NULL REFERENCES issue (id),
    kind      TEXT NOT NULL,
    text      TEXT NOT NULL,
    url       TEXT NOT NULL
);

CREATE TABLE ballot (
    id           TEXT PRIMARY KEY,
    question     TEXT NOT NULL,
    options      TEXT NOT NULL CHECK (json_valid(options)),
    method       TEXT NOT NULL CHECK (json_valid(method)),
    eligibility  TEXT NOT NULL,
    meeting_id   TEXT REFERENCES meeting (id),
    opens_at     TEXT,
    closes_at    TEXT,
    -- u64 as text: SQLite integers are signed.
    seed         TEXT NOT NULL,
    status       TEXT NOT NULL,
    revealed     INTEGER NOT NULL CHECK (revealed IN (0, 1))
);

CREATE TABLE ballot_token (
    ballot_id  TEXT NOT NULL REFERENCES ballot (id),
    token      TEXT NOT NULL,
    PRIMARY KEY (ballot_id, token)
) WITHOUT ROWID;

-- A vote is a fact. device_id and hlc say where and when it was keyed in (the audit list).
CREATE TABLE vote (
    id           TEXT PRIMARY KEY,
    ballot_id    TEXT NOT NULL REFERENCES ballot (id),
    voter_kind   TEXT NOT NULL,
    voter_ref    TEXT NOT NULL,
    voter_key    TEXT NOT NULL,
    vote         TEXT NOT NULL CHECK (json_valid(vote)),
    channel      TEXT NOT NULL,
    recorded_by  TEXT NOT NULL,
    device_id    TEXT NOT NULL,
    hlc          TEXT NOT NULL
);
CREATE INDEX vote_by_ballot_voter ON vote (ballot_id, voter_key);

CREATE TABLE vote_void (
    id         TEXT PRIMARY KEY,
    vote_id    TEXT NOT NULL REFERENCES vote (id),
    reason     TEXT NOT NULL,
    by_whom    TEXT NOT NULL,
    device_id  TEXT NOT NULL,
    hlc        TEXT NOT NULL
);
CREATE INDEX vote_void_by_vote ON vote_void (vote_id);

CREATE TABLE vote_resolution (
    id         TEXT PRIMARY KEY,
    ballot_id  TEXT NOT NULL REFERENCES ballot (id),
    voter_key  TEXT NOT NULL,
    keep       TEXT NOT NULL REFERENCES vote (id),
    reason     TEXT NOT NULL,
    by_whom    TEXT NOT NULL,
    device_id  TEXT NOT NULL,
    hlc        TEXT NOT NULL
);
