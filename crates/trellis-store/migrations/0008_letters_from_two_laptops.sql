-- Schema version 8: letters made on two laptops offline are all kept and shown for a
-- person to resolve, whatever order the laptops' changes arrive in.
--
-- - Two letters drafted for one application: both rows stay (no more UNIQUE on
--   application_id); the app shows the clash and a person withdraws one.
-- - Two edits that both made version N of a letter: the version slot holds the text with
--   the earliest clock (hlc, device), every other text for that number is kept in
--   letter_version_clash; a new version resolves it.
-- - Two approvals of one version: the earliest by clock gives the letter's date
--   (approved_hlc, approved_device), so replicas agree.
--
-- letter is rebuilt to drop the UNIQUE constraint. Its children are rebuilt first under
-- temporary names that reference the new table, so foreign keys stay enforced throughout;
-- renaming the new parent rewrites the children's references to `letter`.

CREATE TABLE letter_v8 (
    id              TEXT PRIMARY KEY,
    application_id  TEXT NOT NULL REFERENCES application (id)
);
INSERT INTO letter_v8 (id, application_id) SELECT id, application_id FROM letter;

CREATE TABLE letter_version_v8 (
    letter_id        TEXT NOT NULL REFERENCES letter_v8 (id),
    version          INTEGER NOT NULL CHECK (version >= 1),
    content          TEXT NOT NULL CHECK (json_valid(content)),
    approved_on      TEXT,
    hlc              TEXT NOT NULL,
    device_id        TEXT NOT NULL,
    approved_hlc     TEXT,
    approved_device  TEXT,
    PRIMARY KEY (letter_id, version)
) WITHOUT ROWID;
INSERT INTO letter_version_v8 (letter_id, version, content, approved_on, hlc, device_id, approved_hlc, approved_device)
    SELECT letter_id, version, content, approved_on, hlc, device_id,
           CASE WHEN approved_on IS NULL THEN NULL ELSE '' END,
           CASE WHEN approved_on IS NULL THEN NULL ELSE '' END
    FROM letter_version;

CREATE TABLE letter_state_v8 (
    id         TEXT PRIMARY KEY,
    letter_id  TEXT NOT NULL REFERENCES letter_v8 (id),
    version    INTEGER NOT NULL,
    state      TEXT NOT NULL CHECK (state IN ('printed', 'sent')),
    date       TEXT NOT NULL,
    how        TEXT CHECK (how IN ('post', 'email', 'hand')),
    hlc        TEXT NOT NULL,
    device_id  TEXT NOT NULL
);
INSERT INTO letter_state_v8 SELECT id, letter_id, version, state, date, how, hlc, device_id FROM letter_state;

DROP TABLE letter_state;
DROP TABLE letter_version;
DROP TABLE letter;
ALTER TABLE letter_v8 RENAME TO letter;
ALTER TABLE letter_version_v8 RENAME TO letter_version;
ALTER TABLE letter_state_v8 RENAME TO letter_state;
CREATE INDEX letter_by_application ON letter (application_id);
CREATE INDEX letter_state_by_letter ON letter_state (letter_id);

-- The other texts saved as the same version number of a letter on other laptops.
CREATE TABLE letter_version_clash (
    letter_id  TEXT NOT NULL REFERENCES letter (id),
    version    INTEGER NOT NULL CHECK (version >= 1),
    content    TEXT NOT NULL CHECK (json_valid(content)),
    hlc        TEXT NOT NULL,
    device_id  TEXT NOT NULL,
    PRIMARY KEY (letter_id, version, hlc, device_id)
) WITHOUT ROWID;

-- Facts: a letter set aside, by whom and why (it is kept, never printed).
CREATE TABLE letter_withdrawal (
    id         TEXT PRIMARY KEY,
    letter_id  TEXT NOT NULL REFERENCES letter (id),
    reason     TEXT NOT NULL,
    by_whom    TEXT NOT NULL,
    hlc        TEXT NOT NULL,
    device_id  TEXT NOT NULL
);
CREATE INDEX letter_withdrawal_by_letter ON letter_withdrawal (letter_id);
