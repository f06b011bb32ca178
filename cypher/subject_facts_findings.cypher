// Every version of the responsibility findings naming subject $id or any entry that (in any version) names it.
// UNION keeps a finding matched both ways once: two versions of one finding never share recorded_at.
// The store orders by entry_id, person_id, recorded_at.
MATCH (p:Subject {subject_id: $id})-[f:RESPONSIBLE_FOR]->(e)
RETURN p.subject_id AS person_id, e.entry_id AS entry_id, f.basis AS basis, f.recorded_at AS recorded_at,
       f.superseded_at AS superseded_at
UNION
MATCH (v:EntryVersion {subject_id: $id})
WITH DISTINCT v.entry_id AS entry_id
MATCH (e:Entry {entry_id: entry_id})<-[f:RESPONSIBLE_FOR]-(p)
RETURN p.subject_id AS person_id, e.entry_id AS entry_id, f.basis AS basis, f.recorded_at AS recorded_at,
       f.superseded_at AS superseded_at
