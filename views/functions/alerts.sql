-- Who changed which alert threshold or flag, and from what, whatever made the change (psql, a BI tool).
-- The trigger on core.alert_conditions (migration 0023) runs it before every update.
create or replace function core.record_alert_condition_change() returns trigger
language plpgsql as $$
begin
    if new.threshold is distinct from old.threshold then
        insert into ops.setting_changes (setting, old_value, new_value, changed_by)
        values ('alert_conditions.' || new.condition || '.threshold', old.threshold::text, new.threshold::text, core.compliance_changed_by());
    end if;
    if new.enabled is distinct from old.enabled then
        insert into ops.setting_changes (setting, old_value, new_value, changed_by)
        values ('alert_conditions.' || new.condition || '.enabled', old.enabled::text, new.enabled::text, core.compliance_changed_by());
    end if;
    new.updated_at := now();
    return new;
end
$$;
