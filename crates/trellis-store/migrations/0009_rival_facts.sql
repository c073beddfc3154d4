-- Decisions, agreed scores and revisions say which records their laptop showed as current
-- when they were made (a JSON array of ids; NULL for records made before this, which
-- replace every earlier record by clock). Two records that replace neither each other are
-- rivals a person settles (trellis_core::grants::rivals). Submissions keep NULL: a first
-- submission replaces nothing.
ALTER TABLE decision ADD COLUMN replaces TEXT CHECK (replaces IS NULL OR json_valid(replaces));
ALTER TABLE agreed_scores ADD COLUMN replaces TEXT CHECK (replaces IS NULL OR json_valid(replaces));
ALTER TABLE score_submission ADD COLUMN replaces TEXT CHECK (replaces IS NULL OR json_valid(replaces));
