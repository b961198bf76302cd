-- name: init_rule
INSERT INTO podium_remediation_rules (name, tick) VALUES (:name, :tick)
ON CONFLICT (name) DO NOTHING;

-- name: get_rule
SELECT tick, fired_at, fires FROM podium_remediation_rules WHERE name = :name;

-- name: claim_tick
UPDATE podium_remediation_rules SET tick = :tick WHERE name = :name AND tick < :tick;

-- name: fire
UPDATE podium_remediation_rules SET fired_at = :now, fires = fires + 1, tick = :tick
WHERE name = :name AND tick < :tick;

-- name: add_decision
INSERT INTO podium_remediations (rule, tick, at, condition, action, dry_run, result)
VALUES (:rule, :tick, :now, :condition, :action, :dry_run, :result);

-- name: set_result
UPDATE podium_remediations SET result = :result WHERE rule = :rule AND tick = :tick;

-- name: decisions
SELECT id, rule, at, condition, action, dry_run, result FROM podium_remediations
ORDER BY at DESC, id DESC
LIMIT :limit;

-- name: list_rules
SELECT name, tick, fired_at, fires FROM podium_remediation_rules ORDER BY name;
