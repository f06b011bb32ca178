// Schema: one uniquely constrained label per identity, looked up by that label alone (bolt-server.md).
// Statements are separated by lines holding only ";".
CREATE CONSTRAINT subject_id IF NOT EXISTS FOR (s:Subject) REQUIRE s.subject_id IS UNIQUE
;
CREATE CONSTRAINT subject_version_id IF NOT EXISTS FOR (v:SubjectVersion) REQUIRE v.version_id IS UNIQUE
;
CREATE CONSTRAINT entry_id IF NOT EXISTS FOR (e:Entry) REQUIRE e.entry_id IS UNIQUE
;
CREATE CONSTRAINT entry_version_id IF NOT EXISTS FOR (v:EntryVersion) REQUIRE v.version_id IS UNIQUE
;
CREATE CONSTRAINT batch_id IF NOT EXISTS FOR (b:Batch) REQUIRE b.batch_id IS UNIQUE
;
CREATE CONSTRAINT evaluation_id IF NOT EXISTS FOR (v:Evaluation) REQUIRE v.evaluation_id IS UNIQUE
;
CREATE INDEX derived_evaluation IF NOT EXISTS FOR (d:Derived) ON (d.evaluation_id)
;
CREATE INDEX subject_version_uscc IF NOT EXISTS FOR (v:SubjectVersion) ON (v.uscc)
;
CREATE INDEX subject_version_id_number IF NOT EXISTS FOR (v:SubjectVersion) ON (v.id_number)
;
CREATE INDEX entry_version_subject IF NOT EXISTS FOR (v:EntryVersion) ON (v.subject_id)
;
CREATE INDEX status_version_entry IF NOT EXISTS FOR (v:StatusVersion) ON (v.entry_id)
;
CREATE INDEX lifecycle_event_case IF NOT EXISTS FOR (v:LifecycleEvent) ON (v.case_id)
;
CREATE INDEX lifecycle_event_entry IF NOT EXISTS FOR (v:LifecycleEvent) ON (v.entry_id)
;
CREATE CONSTRAINT audit_journal_segment IF NOT EXISTS FOR (j:AuditJournal) REQUIRE j.segment IS UNIQUE
;
CREATE INDEX audit_event_requested_at IF NOT EXISTS FOR (a:AuditEvent) ON (a.requested_at)
;
CREATE CONSTRAINT authorisation_id IF NOT EXISTS FOR (a:Authorisation) REQUIRE a.authorisation_id IS UNIQUE
;
CREATE CONSTRAINT store_identity_key IF NOT EXISTS FOR (s:StoreIdentity) REQUIRE s.key IS UNIQUE
