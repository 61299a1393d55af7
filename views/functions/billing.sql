-- The billing decision for one device, defined once: core.billing_status says how a device is billed
-- under the policy's billed classes (core.settings.billed_classes; the views join core.settings, so
-- the reader role needs no access to it), and its reason in words and its category are read from
-- that same decision, so status, reason and category never disagree. Called by
-- staging.device_days_billing (every view of billing), the daily rollup (rollups/daily.ts) and the
-- re-judging of kept month-end rows (rollups/month-end.ts). Plain SQL expressions: PostgreSQL inlines
-- them into the calling query.
create or replace function core.billing_status(site_is_internal boolean, is_spare boolean, device_class text, billed_classes text[])
returns text
language sql immutable parallel safe
return case
    when site_is_internal then 'internal'
    when is_spare then 'spare'
    when device_class = any(billed_classes) then 'billable'
    else 'not_billed'
end;

create or replace function core.billing_reason(site_is_internal boolean, is_spare boolean, spare_rule_id text, device_class text, billed_classes text[])
returns text
language sql immutable parallel safe
return case core.billing_status(site_is_internal, is_spare, device_class, billed_classes)
    when 'internal' then 'site is internal (never billed)'
    when 'spare' then 'spare: ' || coalesce(spare_rule_id, 'rule')
    when 'billable' then 'billable ' || device_class
    else 'class ' || device_class || ' is not billed'
end;

-- What a device of this class is billed as on a customer's site when it is not a spare: its class,
-- or not_billed.
create or replace function core.billing_category(device_class text, billed_classes text[])
returns text
language sql immutable parallel safe
return case core.billing_status(false, false, device_class, billed_classes)
    when 'billable' then device_class
    else 'not_billed'
end;

-- The instant a snapshot day ends in the warehouse's time zone (core.settings.time_zone): the views'
-- "as of" for a day, never midnight UTC.
create or replace function core.day_end(day date, time_zone text)
returns timestamptz
language sql stable parallel safe
return ((day + 1)::timestamp at time zone time_zone);

-- A billed device silent for more than stale_after_days at the end of its day: flagged, still billed,
-- for the operator to decide before invoicing. Unknown last contact is not flagged.
create or replace function core.is_stale(billing_status text, last_contact_at timestamptz, day date, time_zone text, stale_after_days integer)
returns boolean
language sql stable parallel safe
return coalesce(billing_status = 'billable' and last_contact_at < core.day_end(day, time_zone) - make_interval(days => stale_after_days), false);
