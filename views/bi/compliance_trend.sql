-- one row per month × enabled compliance rule × scope × patch source: the month-end verdict beside the previous month-end's, the change, and how many month-ends back it is
-- grain: month, rule_id, scope, site_id, source
-- depends: bi.compliance_monthly
--
-- "Rule R, client X, last 12 months" is `where rule_id = R and site = X and month_ends_back <= 12`.
-- The previous month is the previous month-end held for the same rule, scope and source (a month
-- with no snapshot leaves a gap, named by previous_month).
create view bi.compliance_trend as
select
    m.month,
    m.month_start,
    m.month_end_day,
    m.scope,
    m.site_id,
    m.site,
    m.scope_name,
    m.source,
    m.rule_id,
    m.framework,
    m.check_description,
    m.metric,
    m.unit,
    m.comparator,
    m.threshold,
    m.threshold_source,
    m.value,
    m.value_min,
    m.value_max,
    m.status,
    lag(m.month) over w as previous_month,
    lag(m.value) over w as previous_value,
    lag(m.status) over w as previous_status,
    m.value - lag(m.value) over w as change,
    case
        when lag(m.status) over w is null then 'first month-end'
        when lag(m.status) over w = m.status then 'unchanged'
        when m.status = 'pass' then 'now passing'
        when m.status = 'fail' then 'now failing'
        else 'now unknown'
    end as status_change,
    row_number() over (partition by m.rule_id, m.scope, m.site_id, m.source order by m.month desc)::int as month_ends_back,
    m.is_closed
from bi.compliance_monthly as m
window w as (partition by m.rule_id, m.scope, m.site_id, m.source order by m.month);

comment on view bi.compliance_trend is 'One row per month × enabled compliance rule × scope (each site, and the whole estate) × patch source, from the stored month-end verdicts (bi.compliance_monthly): the value and status beside the previous month-end''s, the change, and month_ends_back (1 = the latest month-end) so the last 12 month-ends are month_ends_back <= 12. Outlives the dailies (24 months of month-ends).';
comment on column bi.compliance_trend.month is 'Month, YYYY-MM.';
comment on column bi.compliance_trend.month_start is 'First day of the month.';
comment on column bi.compliance_trend.month_end_day is 'The snapshot day the verdict is of.';
comment on column bi.compliance_trend.scope is 'site or estate.';
comment on column bi.compliance_trend.site_id is 'Canonical site id; null for the estate.';
comment on column bi.compliance_trend.site is 'Canonical site name; null for the estate.';
comment on column bi.compliance_trend.scope_name is 'The site name, or "(whole estate)".';
comment on column bi.compliance_trend.source is 'Patch data source: ninjaone or pmp.';
comment on column bi.compliance_trend.rule_id is 'Rule id (core.compliance_rules).';
comment on column bi.compliance_trend.framework is 'Framework and level.';
comment on column bi.compliance_trend.check_description is 'What the rule checks.';
comment on column bi.compliance_trend.metric is 'The metric the rule reads.';
comment on column bi.compliance_trend.unit is 'count, percent or days.';
comment on column bi.compliance_trend.comparator is 'The comparator that applied that month.';
comment on column bi.compliance_trend.threshold is 'The threshold that applied that month (a change shows here month by month).';
comment on column bi.compliance_trend.threshold_source is 'rule or site override.';
comment on column bi.compliance_trend.value is 'The metric''s exact value; null when it was a range or not evaluable (see value_min, value_max).';
comment on column bi.compliance_trend.value_min is 'Lowest value consistent with the data.';
comment on column bi.compliance_trend.value_max is 'Highest value consistent with the data; null when unbounded or not evaluable.';
comment on column bi.compliance_trend.status is 'pass, fail or unknown.';
comment on column bi.compliance_trend.previous_month is 'The previous month-end held for this rule, scope and source (YYYY-MM); null for the first.';
comment on column bi.compliance_trend.previous_value is 'The exact value at the previous month-end; null when there is none or it was not exact.';
comment on column bi.compliance_trend.previous_status is 'The status at the previous month-end.';
comment on column bi.compliance_trend.change is 'value - previous_value; null when either is not exact.';
comment on column bi.compliance_trend.status_change is 'first month-end, unchanged, now passing, now failing or now unknown.';
comment on column bi.compliance_trend.month_ends_back is '1 for the latest month-end held for this rule, scope and source, 2 for the one before, and so on.';
comment on column bi.compliance_trend.is_closed is 'True when the month is closed (its verdict is frozen).';
