-- one row per alert (open or resolved): the condition, what it is about, first and last seen, the value and threshold judged, and whether it was notified
-- grain: alert_id
--
-- An alert is opened by the evaluation after a rollup (warehouse/alerts/evaluate.ts) when a condition
-- of core.alert_conditions holds, and resolved when it no longer does; a condition that returns is a
-- new alert. The condition's current setting is shown beside the threshold the alert was judged by.
create view bi.alerts as
select
    a.alert_id,
    a.condition,
    c.description as condition_description,
    a.subject_key,
    a.subject,
    a.status,
    a.detail,
    a.value,
    a.threshold,
    c.unit,
    c.threshold as current_threshold,
    coalesce(c.enabled, false) as condition_enabled,
    a.first_seen_on,
    a.last_seen_on,
    a.resolved_on,
    a.notified_at,
    a.notified_at is not null as is_notified,
    a.notify_attempts,
    a.notify_error
from ops.alerts as a
left join core.alert_conditions as c on c.condition = a.condition;

comment on view bi.alerts is 'One row per alert, open or resolved, from the alert evaluation after each rollup (nightly, `warehouse rollup`, `warehouse alerts`): N consecutive failed runs of a source, estate pass rate under a threshold, critical missing patches over a threshold, database size over a threshold, an open cross-vendor finding. Thresholds and enabled flags are rows of core.alert_conditions (change them with UPDATE). An open alert is notified once through WAREHOUSE_NOTIFY_COMMAND; a resolved one that comes back is a new alert.';
comment on column bi.alerts.alert_id is 'Alert id (ops.alerts).';
comment on column bi.alerts.condition is 'source_failures, estate_pass_rate, critical_missing, database_size or new_finding.';
comment on column bi.alerts.condition_description is 'What holds when the condition''s alert opens (core.alert_conditions.description).';
comment on column bi.alerts.subject_key is 'What the alert is about within its condition: source/instance, a patch source (ninjaone or pmp, for the estate conditions), database, or exception:<id>.';
comment on column bi.alerts.subject is 'The same for a person: the source, "estate (pmp)", "database", or site: host name of the finding.';
comment on column bi.alerts.status is 'open (the condition held at the last evaluation) or resolved (it no longer did, or the condition was switched off).';
comment on column bi.alerts.detail is 'What held, in one line, at the last evaluation that saw it.';
comment on column bi.alerts.value is 'The value judged then: failed runs, pass rate (percent), distinct critical patches missing (the lowest the data allows), database size (GiB); null for a finding.';
comment on column bi.alerts.threshold is 'The threshold in force then; null for a finding.';
comment on column bi.alerts.unit is 'runs, percent, patches, GiB or none.';
comment on column bi.alerts.current_threshold is 'The condition''s threshold now (core.alert_conditions), which may have changed since.';
comment on column bi.alerts.condition_enabled is 'Whether the condition is evaluated now.';
comment on column bi.alerts.first_seen_on is 'The evaluation day (WAREHOUSE_TIMEZONE) the alert opened.';
comment on column bi.alerts.last_seen_on is 'The last evaluation day the condition held.';
comment on column bi.alerts.resolved_on is 'The evaluation day it was found cleared; null while open.';
comment on column bi.alerts.notified_at is 'When WAREHOUSE_NOTIFY_COMMAND took it (exit 0); null while owed.';
comment on column bi.alerts.is_notified is 'True once notified.';
comment on column bi.alerts.notify_attempts is 'Times the notify command was run for it.';
comment on column bi.alerts.notify_error is 'Why the last attempt failed, until one succeeds.';
