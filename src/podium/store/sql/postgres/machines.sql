-- Named queries of the state machines (podium.store.machines, PostgreSQL). Each block starts
-- with "-- name: NAME"; values are bound parameters named %(like_this)s.

-- name: create
INSERT INTO podium_machines (machine, id, state, data, version, created_at, updated_at)
VALUES (%(machine)s, %(id)s, %(state)s, %(data)s, 0, %(now)s, %(now)s)
ON CONFLICT (machine, id) DO NOTHING;

-- name: get
SELECT machine, id, state, data, version, created_at, updated_at
FROM podium_machines WHERE machine = %(machine)s AND id = %(id)s;

-- name: advance
-- Only the sender that read this version moves the instance on; a racer changes nothing.
UPDATE podium_machines
SET state = %(to_state)s, data = %(data)s, version = version + 1, updated_at = %(now)s
WHERE machine = %(machine)s AND id = %(id)s AND version = %(version)s
  AND state = %(from_state)s;

-- name: record
INSERT INTO podium_machine_transitions
    (machine, id, seq, event, from_state, to_state, at, payload, data)
VALUES (%(machine)s, %(id)s, %(version)s::bigint + 1, %(event)s, %(from_state)s, %(to_state)s,
        %(now)s, %(payload)s, %(data)s);

-- name: transitions
SELECT seq, event, from_state, to_state, at, payload, data
FROM podium_machine_transitions
WHERE machine = %(machine)s AND id = %(id)s AND seq > %(after)s AND seq <= %(upto)s
ORDER BY seq;

-- name: instances
SELECT machine, id, state, data, version, created_at, updated_at
FROM podium_machines
WHERE machine = %(machine)s AND (%(state)s::text IS NULL OR state = %(state)s::text)
ORDER BY id LIMIT %(limit)s OFFSET %(offset)s;
