// The database's identity, made once when graphsvc first connects to it (a wiped and reloaded database gets a
// new one): the service's caches tell its facts apart from an earlier database's with the same batch numbers.
MERGE (s:StoreIdentity {key: 'store'})
ON CREATE SET s.identity = $identity
RETURN s.identity AS identity
