-- one row per closed (invoiced) month: when and by whom it was closed, the runs its month-end stood
-- on, and its seal (SHA-256 over its per-device month-end rows, chained to the month closed before it)
-- grain: month
create view bi.billing_closes as
select
    to_char(bm.month, 'YYYY-MM') as month,
    bm.month as month_start,
    bm.closed_at,
    bm.closed_by,
    bm.note,
    bm.month_end_runs,
    bm.sealed_devices,
    bm.rows_digest,
    bm.previous_digest,
    bm.digest,
    bm.sealed_at,
    row_number() over (order by bm.closed_at, bm.month) as chain_position,
    exists (select 1 from rollup.month_ends as me where me.month = bm.month) as rows_kept,
    bm.policy_billed_classes,
    bm.policy_stale_after_days,
    bm.policy_spare_rules
from ops.billing_months as bm;

comment on view bi.billing_closes is 'One row per month closed by `warehouse billing close`: when, by whom, on which collection runs its month-end stood, and its seal: a SHA-256 over the month''s per-device month-end rows (bi.billing_month_devices) in canonical order, chained to the digest of the month closed before it. `warehouse billing verify [YYYY-MM]` recomputes the chain and names the first month and device that no longer match.';
comment on column bi.billing_closes.month is 'Billing month, YYYY-MM.';
comment on column bi.billing_closes.month_start is 'First day of the billing month.';
comment on column bi.billing_closes.closed_at is 'When the month was closed.';
comment on column bi.billing_closes.closed_by is 'Who closed it (user@host of the command).';
comment on column bi.billing_closes.note is 'The --note given at close.';
comment on column bi.billing_closes.month_end_runs is 'ops.sync_runs ids of the collection runs whose snapshots stood for the month-end, one per source instance.';
comment on column bi.billing_closes.sealed_devices is 'Per-device month-end rows sealed.';
comment on column bi.billing_closes.rows_digest is 'SHA-256 (hex) over the per-device row digests, in canonical order.';
comment on column bi.billing_closes.previous_digest is 'digest of the month closed before this one (null for the first close).';
comment on column bi.billing_closes.digest is 'SHA-256 (hex) of previous_digest, month and rows_digest: the value to print on the invoice.';
comment on column bi.billing_closes.sealed_at is 'When the seal was computed (at close; again when a forced rewrite re-sealed it, recorded in ops.forced_changes).';
comment on column bi.billing_closes.chain_position is 'Position in the chain (1 = the first month closed).';
comment on column bi.billing_closes.rows_kept is 'False once retention dropped the month''s month-end rows (after 24 months): its link is still checked, its rows no longer.';
comment on column bi.billing_closes.policy_billed_classes is 'The billed classes the month was judged by when it was closed (or last rewritten with --force); null for a month closed before the policy was recorded.';
comment on column bi.billing_closes.policy_stale_after_days is 'The stale threshold (days without contact) in force then.';
comment on column bi.billing_closes.policy_spare_rules is 'The enabled spare rules then, by description, in the order they applied.';
