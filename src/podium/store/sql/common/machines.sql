-- The machines queries every dialect shares; the ones whose SQL differs are in
-- <dialect>/machines.sql. Each block starts with "-- name: NAME"; values are bound
-- parameters named :like_this.

-- name: create
INSERT INTO podium_machines (machine, id, state, data, version, created_at, updated_at)
VALUES (:machine, :id, :state, :data, 0, :now, :now)
ON CONFLICT (machine, id) DO NOTHING;

-- name: get
SELECT machine, id, state, data, version, created_at, updated_at
FROM podium_machines WHERE machine = :machine AND id = :id;

-- name: advance
-- Only the sender that read this version moves the instance on; a racer changes nothing.
UPDATE podium_machines
SET state = :to_state, data = :data, version = version + 1, updated_at = :now
WHERE machine = :machine AND id = :id AND version = :version AND state = :from_state;

-- name: transitions
SELECT seq, event, from_state, to_state, at, payload, data
FROM podium_machine_transitions
WHERE machine = :machine AND id = :id AND seq > :after AND seq <= :upto
ORDER BY seq;
