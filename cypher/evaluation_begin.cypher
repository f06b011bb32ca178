// A new evaluation, invisible to readers until evaluation_commit switches it to current.
CREATE (:Evaluation {evaluation_id: $evaluation_id, profile: $profile, as_of: $as_of, known_at: $known_at,
                     evaluated_at: $evaluated_at, records: $records, state: 'writing'})
