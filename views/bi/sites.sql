-- one row per canonical site (client), with the vendor organisations mapped to it and its devices per vendor at each vendor's latest snapshot
-- grain: site_id
-- depends: staging.device_match_keys
create view bi.sites as
with sites as (
    select * from core.sites
),

-- the vendor columns are the sources' roles (core.source_roles): ninjaone_* the RMM's, threatlocker_*
-- the allowlisting tool's, pmp_* the patch manager's
aliases as (
    select
        sa.site_id,
        si.source,
        sr.role,
        sa.mapping,
        si.source || case when si.instance <> 'default' then '/' || si.instance else '' end
        || ' ' || sa.external_id || ': ' || btrim(sa.name) as alias_name
    from core.site_aliases as sa
    inner join ops.source_instances as si on si.source_instance_id = sa.source_instance_id
    left join core.source_roles as sr on sr.source = si.source
    where sa.parent_external_id is null
        and sa.site_id is not null
),

alias_totals as (
    select
        aliases.site_id,
        count(*) filter (where aliases.role = 'rmm') as ninjaone_aliases,
        count(*) filter (where aliases.role = 'allowlisting') as threatlocker_aliases,
        count(*) filter (where aliases.role = 'patching') as pmp_aliases,
        count(*) filter (where aliases.mapping = 'manual') as manual_aliases,
        array_agg(aliases.alias_name order by aliases.alias_name) as alias_names
    from aliases
    group by aliases.site_id
),

devices as (
    select
        keys.site_id,
        count(*) filter (where keys.source_role = 'rmm') as ninjaone_devices,
        count(*) filter (where keys.source_role = 'allowlisting') as threatlocker_devices,
        count(*) filter (where keys.source_role = 'patching') as pmp_devices,
        count(*) filter (where keys.source_role = 'rmm' and keys.billing_status = 'billable') as ninjaone_billable
    from staging.device_match_keys as keys
    group by keys.site_id
)

select
    -- ids
    sites.site_id,
    -- attributes
    sites.name as site,
    sites.normalized_name,
    sites.is_internal,
    sites.is_unmapped,
    coalesce(alias_totals.alias_names, '{}') as aliases,
    -- measures
    coalesce(alias_totals.ninjaone_aliases, 0)::int as ninjaone_aliases,
    coalesce(alias_totals.threatlocker_aliases, 0)::int as threatlocker_aliases,
    coalesce(alias_totals.pmp_aliases, 0)::int as pmp_aliases,
    coalesce(alias_totals.manual_aliases, 0)::int as manual_aliases,
    coalesce(devices.ninjaone_devices, 0)::int as ninjaone_devices,
    coalesce(devices.ninjaone_billable, 0)::int as ninjaone_billable,
    coalesce(devices.threatlocker_devices, 0)::int as threatlocker_devices,
    coalesce(devices.pmp_devices, 0)::int as pmp_devices,
    -- timestamps
    sites.created_at,
    -- attributes added later (kept last, so the view is replaced in place)
    sites.reference
from sites
left join alias_totals on alias_totals.site_id = sites.site_id
left join devices on devices.site_id = sites.site_id;

comment on view bi.sites is 'One row per canonical site (client organisation, the billing entity), with the vendor organisations mapped to it and its devices per vendor at each vendor''s latest published snapshot. The "(unmapped)" site holds devices of vendor organisations not mapped yet, so totals always add up.';
comment on column bi.sites.site_id is 'Canonical site id.';
comment on column bi.sites.site is 'Canonical site name.';
comment on column bi.sites.normalized_name is 'The name as automatic matching compares it (case, punctuation, & and "and", legal suffixes removed).';
comment on column bi.sites.is_internal is 'True for the MSP''s own site: never billed.';
comment on column bi.sites.is_unmapped is 'True for the one explicit site that holds devices of unmapped vendor organisations.';
comment on column bi.sites.aliases is 'The vendor organisations mapped to the site, as "source external_id: name".';
comment on column bi.sites.ninjaone_aliases is 'NinjaOne organisations mapped to the site.';
comment on column bi.sites.threatlocker_aliases is 'ThreatLocker organisations mapped to the site.';
comment on column bi.sites.pmp_aliases is 'Patch Manager Plus customers or branch offices mapped to the site.';
comment on column bi.sites.manual_aliases is 'Of those, how many were mapped by hand (mapping file or `warehouse sites map`).';
comment on column bi.sites.ninjaone_devices is 'NinjaOne devices at the site at NinjaOne''s latest snapshot.';
comment on column bi.sites.ninjaone_billable is 'Of those, billable (workstation or server, not spare, site not internal).';
comment on column bi.sites.threatlocker_devices is 'ThreatLocker computers at the site at ThreatLocker''s latest snapshot.';
comment on column bi.sites.pmp_devices is 'Patch Manager Plus systems at the site at its latest snapshot.';
comment on column bi.sites.reference is 'The client''s code in the MSP''s own books (accounting, PSA), set with `warehouse sites reference`; null until set. Printed on every billing export.';
comment on column bi.sites.created_at is 'When the site was created (by the site-defining source, the mapping file or the CLI).';
