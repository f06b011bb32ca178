// How many role versions subject $id holds or that are held at it (a role it holds at itself once), and how many
// of them have a string sort key (role, source_id, target_id) with a character beyond U+FFFF: there, a server
// comparing UTF-16 units would order them otherwise than the embedded store's code points, so the store does not
// page them on the server (subject_roles_page.cypher) but sorts them itself.
CALL {
  MATCH (s:Subject {subject_id: $id})-[r:ROLE]->(t)
  RETURN s.subject_id AS source_id, r.role AS role, t.subject_id AS target_id
  UNION ALL
  MATCH (s:Subject {subject_id: $id})<-[r:ROLE]-(h)
  WHERE h.subject_id <> $id
  RETURN h.subject_id AS source_id, r.role AS role, s.subject_id AS target_id
}
RETURN count(*) AS total,
       sum(CASE WHEN source_id =~ $beyond_bmp OR role =~ $beyond_bmp OR target_id =~ $beyond_bmp THEN 1 ELSE 0 END)
         AS beyond_bmp
