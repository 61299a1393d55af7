-- one row: the billing policy the open months are judged by (core.settings) and the enabled spare rules in the order they apply
-- grain: (one row)
create view bi.billing_policy as
select
    st.billed_classes,
    st.stale_after_days,
    st.time_zone,
    coalesce((
        select array_agg(r.rule_id order by r.priority, r.rule_id) from core.spare_rules as r where r.enabled
    ), '{}') as spare_rule_ids,
    coalesce((
        select array_agg(r.description order by r.priority, r.rule_id) from core.spare_rules as r where r.enabled
    ), '{}') as spare_rules,
    st.updated_at
from core.settings as st
where st.singleton;

comment on view bi.billing_policy is 'One row per warehouse (a single row): the billing policy (which device classes are billed, when a billed device is flagged stale) and the enabled spare rules, first match wins. Open months follow it; a closed month keeps the decisions made when it was closed (the month-end rows, bi.billing_month_devices). Printed on the billing export''s Summary sheet.';
comment on column bi.billing_policy.billed_classes is 'Device classes that take a seat (default workstation and server); any other class is not_billed.';
comment on column bi.billing_policy.stale_after_days is 'A billed device whose last contact is older than this many days at the snapshot is flagged stale (still billed).';
comment on column bi.billing_policy.time_zone is 'WAREHOUSE_TIMEZONE: the zone whose days the views speak in.';
comment on column bi.billing_policy.spare_rule_ids is 'The enabled spare rules, in the order they are tried (a device one matches is a spare: not billed).';
comment on column bi.billing_policy.spare_rules is 'Their descriptions, in the same order.';
comment on column bi.billing_policy.updated_at is 'When the settings last changed (ops.setting_changes has the history).';
