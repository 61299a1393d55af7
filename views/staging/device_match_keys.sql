-- one row per device per source instance at that instance's latest published snapshot day, with the keys cross-vendor matching uses
-- depends: staging.source_days_latest
-- depends: staging.device_days_latest
create view staging.device_match_keys as
with latest as (
    -- the as-of day: the latest day any source instance published (one row)
    select max(sdl.snapshot_day) as as_of
    from staging.source_days_latest as sdl
),

devices as (
    select
        b.site_id,
        b.device_id,
        b.source_instance_id,
        b.snapshot_day,
        b.source,
        b.instance,
        b.vendor_id,
        b.site,
        s.is_unmapped,
        b.alias_external_id,
        b.display_name,
        b.hostname,
        b.fqdn,
        b.serial_number,
        b.mac_addresses,
        b.ip_addresses,
        b.device_class,
        b.billing_status,
        b.is_spare,
        b.spare_rule_id,
        (select latest.as_of from latest) as as_of,
        b.snapshot_day = (select latest.as_of from latest) as is_current,
        sr.role as source_role,
        coalesce(sr.vendor, b.source) as vendor_name
    -- each source instance's latest day, read from those days' partitions alone
    from staging.device_days_latest as b
    inner join core.sites as s on s.site_id = b.site_id
    left join core.source_roles as sr on sr.source = b.source
),

names as (
    select
        devices.*,
        -- lower case, ThreatLocker's "HOST | user" suffix removed; ThreatLocker's portal name stands in for a missing host name
        nullif(btrim(regexp_replace(lower(coalesce(
            nullif(btrim(devices.hostname), ''),
            case when devices.source = 'threatlocker' then devices.display_name end
        )), '\s*\|.*$', '')), '') as host_raw,
        lower(split_part(devices.fqdn, '.', 1)) as fqdn_label
    from devices
),

short_names as (
    select
        names.*,
        -- an IP address is not a host name; a dotted name loses its domain
        case
            when names.host_raw ~ '^[0-9.]+$' or names.host_raw like '%:%' then null
            else nullif(split_part(names.host_raw, '.', 1), '')
        end as host_short
    from names
)

select
    -- ids
    short_names.site_id,
    short_names.device_id,
    short_names.source_instance_id,
    short_names.source,
    short_names.instance,
    short_names.vendor_id,
    short_names.snapshot_day,
    short_names.as_of,
    short_names.is_current,
    -- attributes
    short_names.site,
    short_names.is_unmapped,
    short_names.alias_external_id,
    -- where a host name is unique: the site, or the vendor organisation while it is unmapped
    case
        when short_names.is_unmapped then 'alias:' || short_names.source_instance_id || ':' || short_names.alias_external_id
        else 'site:' || short_names.site_id
    end as namespace,
    short_names.hostname,
    short_names.display_name,
    coalesce(short_names.hostname, short_names.display_name, short_names.vendor_id) as subject_name,
    short_names.device_class,
    short_names.billing_status,
    short_names.is_spare,
    short_names.spare_rule_id,
    -- keys: a 15-character NetBIOS name is restored from the FQDN when the FQDN carries the whole name
    case
        when length(short_names.host_short) = 15
            and length(short_names.fqdn_label) > 15
            and left(short_names.fqdn_label, 15) = short_names.host_short
            then short_names.fqdn_label
        else short_names.host_short
    end as host_key,
    nullif(upper(btrim(short_names.serial_number)), '') as serial_key,
    array(
        select distinct upper(m.mac)
        from unnest(short_names.mac_addresses) as m (mac)
        where upper(m.mac) not in ('00:00:00:00:00:00', 'FF:FF:FF:FF:FF:FF')
    ) as mac_keys,
    array(
        select distinct lower(btrim(i.ip))
        from unnest(short_names.ip_addresses) as i (ip)
        where btrim(i.ip) not in ('', '127.0.0.1', '::1', '0.0.0.0')
    ) as ip_keys,
    -- the source's role (core.source_roles: rmm, allowlisting, patching) and product name
    short_names.source_role,
    short_names.vendor_name
from short_names;
