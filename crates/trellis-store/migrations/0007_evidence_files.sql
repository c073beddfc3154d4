-- Schema version 7: files as evidence for an issue (stored by content hash).

ALTER TABLE issue_evidence ADD COLUMN attachment TEXT CHECK (attachment IS NULL OR json_valid(attachment));
