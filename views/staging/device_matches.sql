-- one row per device of a source other than the RMM (ThreatLocker, Patch Manager Plus) at its latest snapshot: the RMM's (NinjaOne's) device it is, if one is found, and the rule that found it
-- depends: staging.device_match_keys
-- Rules, in order: the same host name in the same site (the whole estate for an unmapped
-- organisation); a 15-character NetBIOS name against the full one; a serial number; a MAC address;
-- last, when a name fits several RMM devices, the one of them that has the device's current IP
-- address (two truncated "SRV-BACKUP-0" names, one serial-less VM guest). A rule decides only when
-- it names exactly one RMM device; serials and MACs count only when exactly one RMM device carries
-- them; a name counts only when one device of the vendor claims it. Several devices matching one
-- RMM device stay several rows: duplicates are reported (staging.cross_vendor_findings), never merged.
create view staging.device_matches as
with keys as (
    select * from staging.device_match_keys
),

-- the RMM is a role (core.source_roles), not a vendor's name
rmm as (
    select * from keys where keys.source_role = 'rmm'
),

others as (
    select * from keys where keys.source_role is distinct from 'rmm'
),

unique_serials as (
    select
        rmm.serial_key,
        min(rmm.device_id) as rmm_device_id
    from rmm
    where rmm.serial_key is not null
    group by rmm.serial_key
    having count(*) = 1
),

unique_macs as (
    select
        m.mac,
        min(rmm.device_id) as rmm_device_id
    from rmm
    cross join lateral unnest(rmm.mac_keys) as m (mac)
    group by m.mac
    having count(distinct rmm.device_id) = 1
),

name_candidates as (
    select
        o.device_id,
        case when r.host_key = o.host_key then 1 else 2 end as tier,
        r.device_id as rmm_device_id,
        o.ip_keys && r.ip_keys as shares_ip
    from others as o
    inner join rmm as r
        on left(r.host_key, 15) = left(o.host_key, 15)
        and (
            r.host_key = o.host_key
            or length(o.host_key) = 15
            or length(r.host_key) = 15
        )
        and (o.is_unmapped or r.site_id = o.site_id)
),

candidates as (
    select
        nc.device_id,
        nc.tier,
        nc.rmm_device_id
    from name_candidates as nc
    union all
    select
        o.device_id,
        3 as tier,
        us.rmm_device_id
    from others as o
    inner join unique_serials as us on us.serial_key = o.serial_key
    union all
    select
        o.device_id,
        4 as tier,
        um.rmm_device_id
    from others as o
    cross join lateral unnest(o.mac_keys) as m (mac)
    inner join unique_macs as um on um.mac = m.mac
    union all
    select
        nc.device_id,
        5 as tier,
        nc.rmm_device_id
    from name_candidates as nc
    where nc.shares_ip
),

tiers as (
    select
        c.device_id,
        c.tier,
        count(distinct c.rmm_device_id) as candidate_count,
        min(c.rmm_device_id) as rmm_device_id,
        -- an exact host name, even an ambiguous one, outranks a truncated one
        bool_or(c.tier = 1) over (partition by c.device_id) as has_exact_name
    from candidates as c
    group by c.device_id, c.tier
),

name_claims as (
    -- a name names one machine only if one device of the vendor claims it: two truncated
    -- "KING-TRAINING-P" computers in ThreatLocker cannot both be NinjaOne's KING-TRAINING-PC-43
    select
        tiers.device_id,
        tiers.tier,
        tiers.rmm_device_id,
        min(tiers.tier) over (partition by o.source_instance_id, tiers.rmm_device_id) as best_tier,
        count(*) over (partition by o.source_instance_id, tiers.rmm_device_id, tiers.tier) as claimants
    from tiers
    inner join others as o on o.device_id = tiers.device_id
    where tiers.tier in (1, 2)
        and tiers.candidate_count = 1
        and not (tiers.tier = 2 and tiers.has_exact_name)
),

decisive as (
    select
        name_claims.device_id,
        name_claims.tier,
        name_claims.rmm_device_id
    from name_claims
    where name_claims.tier = name_claims.best_tier
        and name_claims.claimants = 1
    union all
    select
        tiers.device_id,
        tiers.tier,
        tiers.rmm_device_id
    from tiers
    where tiers.tier >= 3
        and tiers.candidate_count = 1
),

chosen as (
    select distinct on (decisive.device_id)
        decisive.device_id,
        decisive.tier,
        decisive.rmm_device_id
    from decisive
    order by decisive.device_id, decisive.tier
),

ambiguous as (
    select
        problems.device_id,
        string_agg(problems.problem, '; ' order by problems.tier) as ambiguity
    from (
        select
            tiers.device_id,
            tiers.tier,
            (array['host name', 'NetBIOS name', 'serial', 'MAC', 'host name and IP address'])[tiers.tier]
            || ' matches ' || tiers.candidate_count || ' RMM devices' as problem
        from tiers
        where tiers.candidate_count > 1
        union all
        select
            name_claims.device_id,
            name_claims.tier,
            (array['host name', 'NetBIOS name'])[name_claims.tier] || ' of the RMM device is claimed by '
            || name_claims.claimants || ' devices' as problem
        from name_claims
        where name_claims.tier = name_claims.best_tier
            and name_claims.claimants > 1
    ) as problems
    group by problems.device_id
)

select
    -- ids
    o.site_id,
    o.device_id,
    o.source_instance_id,
    o.source,
    o.instance,
    o.vendor_id,
    o.as_of,
    o.is_current,
    -- attributes of the device
    o.site,
    o.is_unmapped,
    o.namespace,
    o.subject_name,
    o.host_key,
    o.device_class,
    o.is_spare,
    o.spare_rule_id,
    -- its RMM match
    r.device_id as rmm_device_id,
    r.site_id as rmm_site_id,
    r.site as rmm_site,
    r.is_unmapped as rmm_is_unmapped,
    r.vendor_id as rmm_vendor_id,
    r.subject_name as rmm_subject_name,
    r.is_spare as rmm_is_spare,
    r.spare_rule_id as rmm_spare_rule_id,
    r.billing_status as rmm_billing_status,
    (array['hostname', 'hostname_netbios', 'serial', 'mac', 'hostname_ip'])[chosen.tier] as match_rule,
    ambiguous.ambiguity,
    -- the device's source: its role and product name
    o.source_role,
    o.vendor_name
from others as o
left join chosen on chosen.device_id = o.device_id
left join rmm as r on r.device_id = chosen.rmm_device_id
left join ambiguous on ambiguous.device_id = o.device_id;
