-- Named queries of the state machines (podium.store.machines, PostgreSQL). Each block starts
-- with "-- name: NAME"; values are bound parameters named :like_this.

-- name: record
INSERT INTO podium_machine_transitions
    (machine, id, seq, event, from_state, to_state, at, payload, data)
VALUES (:machine, :id, :version::bigint + 1, :event, :from_state, :to_state,
        :now, :payload, :data);

-- name: instances
SELECT machine, id, state, data, version, created_at, updated_at
FROM podium_machines
WHERE machine = :machine AND (:state::text IS NULL OR state = :state::text)
ORDER BY id LIMIT :limit OFFSET :offset;
