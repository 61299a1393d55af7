-- How a metric's range is judged against a threshold: a range passes only when every value in it
-- passes and fails only when every value fails; null (undecided) otherwise. One definition for
-- bi.compliance_checks (through staging.compliance_verdicts) and for re-judging stored month-end
-- evidence whose dailies are gone (rollups/compliance-month-end.ts), so both always agree. value_max
-- null means unbounded.
create or replace function core.compliance_passed(value_min numeric, value_max numeric, comparator text, threshold numeric) returns boolean
language sql immutable parallel safe as $$
    select case
        when value_min is null then null
        when comparator = '=' then
            case when value_min = threshold and value_max = threshold then true when value_min > threshold or value_max < threshold then false end
        when comparator = '<=' then case when value_max <= threshold then true when value_min > threshold then false end
        when comparator = '<' then case when value_max < threshold then true when value_min >= threshold then false end
        when comparator = '>=' then case when value_min >= threshold then true when value_max < threshold then false end
        when comparator = '>' then case when value_min > threshold then true when value_max <= threshold then false end
    end
$$;

-- Why a verdict is unknown (null when it is not).
create or replace function core.compliance_reason(not_evaluable_reason text, passed boolean, value_min numeric, value_max numeric, uncertainty text) returns text
language sql immutable parallel safe as $$
    select case
        when not_evaluable_reason is not null then not_evaluable_reason
        when passed is null then 'undecided: the value lies between ' || value_min || ' and '
            || coalesce(value_max::text, 'an unknown maximum') || ' because ' || uncertainty
    end
$$;

-- Who changed a compliance setting: the database role, and the operator the CLI names in the
-- transaction (set_config('warehouse.operator', ..., true)) when there is one.
create or replace function core.compliance_changed_by() returns text
language sql stable as $$
    select current_user || coalesce(' (' || nullif(current_setting('warehouse.operator', true), '') || ')', '')
$$;

-- A changed setting re-judges every open month-end on the next rollup: one rollup request per open
-- month, for its month-end day only (so only that day's daily counts are re-rolled). Closed months
-- are left alone: they keep the verdicts stored when they closed.
create or replace function core.request_compliance_rejudge(why text) returns void
language sql as $$
    insert into ops.rollup_requests (first_day, last_day, reason)
    select max(me.month_end_day), max(me.month_end_day), why
    from rollup.month_ends as me
    where not exists (select 1 from ops.billing_months as bm where bm.month = me.month)
    group by me.month
$$;

-- The history of core.compliance_rules (trigger compliance_rules_history, migration 0022): a change of
-- threshold, comparator or enabled bumps the rule's version, is recorded and re-judges open months.
create or replace function core.compliance_rule_changed() returns trigger
language plpgsql as $$
begin
    if (new.threshold, new.comparator, new.enabled) is not distinct from (old.threshold, old.comparator, old.enabled) then
        return new;
    end if;
    new.version := old.version + 1;
    new.updated_at := now();
    insert into ops.compliance_rule_changes (rule_id, site_id, action, rule_version, old_threshold, new_threshold,
        old_comparator, new_comparator, old_enabled, new_enabled, changed_by)
    values (new.rule_id, null, 'rule changed', new.version, old.threshold, new.threshold,
        old.comparator, new.comparator, old.enabled, new.enabled, core.compliance_changed_by());
    perform core.request_compliance_rejudge('compliance rule ' || new.rule_id || ' changed');
    return new;
end
$$;

-- The history of core.compliance_site_overrides (trigger compliance_site_overrides_history, migration
-- 0022): an override set, changed or cleared is recorded and re-judges open months.
create or replace function core.compliance_override_changed() returns trigger
language plpgsql as $$
declare
    rule text := coalesce(new.rule_id, old.rule_id);
    site integer := coalesce(new.site_id, old.site_id);
begin
    if tg_op = 'UPDATE' and (new.threshold, new.enabled) is not distinct from (old.threshold, old.enabled) then
        return null;
    end if;
    insert into ops.compliance_rule_changes (rule_id, site_id, action, rule_version, old_threshold, new_threshold,
        old_enabled, new_enabled, changed_by)
    values (rule, site,
        case tg_op when 'INSERT' then 'override set' when 'UPDATE' then 'override changed' else 'override cleared' end,
        coalesce((select r.version from core.compliance_rules as r where r.rule_id = rule), 0),
        case when tg_op <> 'INSERT' then old.threshold end, case when tg_op <> 'DELETE' then new.threshold end,
        case when tg_op <> 'INSERT' then old.enabled end, case when tg_op <> 'DELETE' then new.enabled end,
        core.compliance_changed_by());
    perform core.request_compliance_rejudge('compliance override of ' || rule || ' for site ' || site || ' changed');
    return null;
end
$$;
