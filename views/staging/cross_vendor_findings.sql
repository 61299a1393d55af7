-- one row per cross-vendor finding in the latest snapshots (site x kind x subject), limited to what staging.cross_vendor_scopes can judge
-- depends: staging.device_match_keys
-- depends: staging.device_matches
-- depends: staging.site_sources
-- depends: staging.cross_vendor_scopes
-- Kinds: not_in_rmm, no_threatlocker, no_pmp, site_mismatch, threatlocker_on_spare, duplicate_hostname.
-- They compare the sources' roles (core.source_roles): the RMM, the allowlisting tool (ThreatLocker's
-- kinds) and the patch manager (PMP's); the text names each source by its product name there.
-- subject_key identifies the finding across runs: 'device:<device_id>' or
-- 'host:<source_instance_id>:<namespace>:<host name>' for duplicates (past 400 characters: the first
-- 200, then '…md5:' and the md5 of the whole, so the key fits a btree entry).
create view staging.cross_vendor_findings as
with keys as (
    select
        k.*,
        k.vendor_name || case when k.instance <> 'default' then ' (' || k.instance || ')' else '' end as vendor
    from staging.device_match_keys as k
),

matches as (
    select
        m.*,
        m.vendor_name || case when m.instance <> 'default' then ' (' || m.instance || ')' else '' end as vendor
    from staging.device_matches as m
),

rmm as (
    select * from keys where keys.source_role = 'rmm'
),

-- the RMM's product name, for the text of the findings about the other sources' devices
rmm_product as (
    select coalesce(max(sr.vendor), 'the RMM') as name
    from core.source_roles as sr
    where sr.role = 'rmm'
),

linked as (
    select
        matches.rmm_device_id,
        bool_or(matches.source_role = 'allowlisting') as has_threatlocker,
        bool_or(matches.source_role = 'patching') as has_pmp
    from matches
    where matches.rmm_device_id is not null
    group by matches.rmm_device_id
),

not_in_rmm as (
    select
        m.site_id,
        'not_in_rmm' as kind,
        'device:' || m.device_id as subject_key,
        m.source_instance_id,
        m.device_id,
        m.subject_name,
        m.vendor || ' device ' || m.subject_name || ' has no ' || rp.name || ' match by host name, serial or MAC'
        || coalesce(' (' || m.ambiguity || ')', '') as detail
    from matches as m
    cross join rmm_product as rp
    where m.rmm_device_id is null
),

missing_agents as (
    select
        r.site_id,
        gap.kind,
        'device:' || r.device_id as subject_key,
        r.source_instance_id,
        r.device_id,
        r.subject_name,
        'billable ' || r.device_class || ' ' || r.subject_name || ' in ' || r.vendor_name || ' has no ' || tool.vendor || ' agent' as detail
    from rmm as r
    left join linked as l on l.rmm_device_id = r.device_id
    cross join lateral (
        values
            ('no_threatlocker', 'allowlisting', coalesce(l.has_threatlocker, false)),
            ('no_pmp', 'patching', coalesce(l.has_pmp, false))
    ) as gap (kind, role, covered)
    inner join core.source_roles as tool on tool.role = gap.role
    inner join staging.site_sources as ss on ss.site_id = r.site_id and ss.source = tool.source
    where r.billing_status = 'billable'
        and not gap.covered
),

site_mismatches as (
    select
        m.site_id,
        'site_mismatch' as kind,
        'device:' || m.device_id as subject_key,
        m.source_instance_id,
        m.device_id,
        m.subject_name,
        m.vendor || ' files ' || m.subject_name || ' under ' || m.site || '; ' || rp.name || ' files ' || m.rmm_subject_name
        || ' under ' || m.rmm_site || ' (matched by ' || m.match_rule || ')' as detail
    from matches as m
    cross join rmm_product as rp
    where m.rmm_device_id is not null
        and m.site_id <> m.rmm_site_id
        and not m.is_unmapped
        and not m.rmm_is_unmapped
),

spare_agents as (
    select
        m.site_id,
        'threatlocker_on_spare' as kind,
        'device:' || m.device_id as subject_key,
        m.source_instance_id,
        m.device_id,
        m.subject_name,
        m.vendor || ' agent on spare device ' || m.subject_name || ' ('
        || concat_ws('; ',
            case when m.is_spare then m.vendor_name || ': ' || m.spare_rule_id end,
            case when m.rmm_is_spare then rp.name || ': ' || m.rmm_spare_rule_id end
        ) || ')' as detail
    from matches as m
    cross join rmm_product as rp
    where m.source_role = 'allowlisting'
        and (m.is_spare or coalesce(m.rmm_is_spare, false))
),

duplicates as (
    select
        min(keys.site_id) as site_id,
        'duplicate_hostname' as kind,
        -- a vendor's host name (and organisation id) can be of any length, and the key is indexed
        -- (core.exceptions): a long one keeps its first 200 characters and gains the md5 of the whole,
        -- so two names differing only in their last character stay two findings
        case
            when length(keys.source_instance_id || ':' || keys.namespace || ':' || keys.host_key) <= 400
                then 'host:' || keys.source_instance_id || ':' || keys.namespace || ':' || keys.host_key
            else 'host:' || left(keys.source_instance_id || ':' || keys.namespace || ':' || keys.host_key, 200)
                || '…md5:' || md5(keys.source_instance_id || ':' || keys.namespace || ':' || keys.host_key)
        end as subject_key,
        keys.source_instance_id,
        null::bigint as device_id,
        keys.host_key as subject_name,
        count(*) || ' ' || min(keys.vendor) || ' devices share the host name ' || keys.host_key
        || ' (vendor ids ' || string_agg(keys.vendor_id, ', ' order by keys.vendor_id) || ')' as detail
    from keys
    where keys.host_key is not null
    group by keys.source_instance_id, keys.namespace, keys.host_key
    having count(*) > 1
),

findings as (
    select
        not_in_rmm.site_id,
        not_in_rmm.kind,
        not_in_rmm.subject_key,
        not_in_rmm.source_instance_id,
        not_in_rmm.device_id,
        not_in_rmm.subject_name,
        not_in_rmm.detail
    from not_in_rmm
    union all
    select
        missing_agents.site_id,
        missing_agents.kind,
        missing_agents.subject_key,
        missing_agents.source_instance_id,
        missing_agents.device_id,
        missing_agents.subject_name,
        missing_agents.detail
    from missing_agents
    union all
    select
        site_mismatches.site_id,
        site_mismatches.kind,
        site_mismatches.subject_key,
        site_mismatches.source_instance_id,
        site_mismatches.device_id,
        site_mismatches.subject_name,
        site_mismatches.detail
    from site_mismatches
    union all
    select
        spare_agents.site_id,
        spare_agents.kind,
        spare_agents.subject_key,
        spare_agents.source_instance_id,
        spare_agents.device_id,
        spare_agents.subject_name,
        spare_agents.detail
    from spare_agents
    union all
    select
        duplicates.site_id,
        duplicates.kind,
        duplicates.subject_key,
        duplicates.source_instance_id,
        duplicates.device_id,
        duplicates.subject_name,
        duplicates.detail
    from duplicates
)

select
    -- ids
    findings.site_id,
    findings.kind,
    findings.subject_key,
    findings.source_instance_id,
    findings.device_id,
    -- attributes
    findings.subject_name,
    findings.detail,
    scopes.as_of
from findings
inner join staging.cross_vendor_scopes as scopes
    on scopes.kind = findings.kind
    and scopes.source_instance_id = findings.source_instance_id;
