-- one row per site × patch source × day: explicit denominators, missing patches and scan, health and exposure facts of the in-scope devices
-- grain: site_id, source, snapshot_day
-- depends: staging.patch_scope_days
--
-- Every column is a sum over the day's site × source instance aggregates (staging.patch_site_instance_days),
-- which the rollup materialises (rollup.patch_site_instance_days) and judges on read only for the
-- source-days not rolled up, or changed, since: the exposure facts among them.
create view bi.patch_compliance_site as
select
    psd.snapshot_day,
    psd.site_id,
    s.name as site,
    psd.source,
    psd.devices_total,
    psd.devices_in_scope,
    psd.devices_spare,
    psd.devices_stale_or_offline,
    psd.devices_unknown,
    psd.devices_missing_critical,
    psd.devices_missing_important,
    psd.missing_critical,
    psd.missing_important,
    psd.missing_moderate,
    psd.missing_low,
    psd.missing_unrated,
    psd.missing_os,
    psd.missing_third_party,
    psd.missing_driver,
    psd.missing_bios,
    psd.devices_healthy,
    psd.devices_vulnerable,
    psd.devices_highly_vulnerable,
    psd.devices_health_unknown,
    psd.devices_scanned,
    psd.devices_not_scanned,
    psd.devices_scan_unknown,
    psd.devices_scan_succeeded,
    psd.devices_scan_not_succeeded,
    psd.devices_scan_outcome_unknown,
    psd.devices_scanned_within_window,
    psd.devices_not_scanned_within_window,
    psd.devices_scan_window_unknown,
    psd.devices_exposed_over_30_days,
    coalesce(psd.max_exposure_days, 0) as max_exposure_days
from staging.patch_scope_days as psd
inner join core.sites as s on s.site_id = psd.site_id
where psd.scope = 'site';

comment on view bi.patch_compliance_site is 'One row per site × patch source (ninjaone, pmp) × snapshot day. Denominators are explicit: devices_total = in scope + spare + stale or offline + unknown, and only in-scope devices count towards the patch, health, scan and exposure columns. Sites add up to the estate rows of bi.compliance_checks. Materialised by the nightly rollup: every column is a sum of the per site × source instance × day aggregates it stores (rollup.patch_site_instance_days, rollups/patch-scope.ts), the exposure columns from its exposure of the day (rollup.patch_exposure, each day from the day before). A source-day not rolled up yet, re-published, or judged by compliance settings (core.compliance_settings) or a site mapping changed since, is computed on read from its devices instead, so a change takes effect at once; the next rollup materialises it again.';
comment on column bi.patch_compliance_site.snapshot_day is 'Snapshot day (MSP time zone).';
comment on column bi.patch_compliance_site.site_id is 'Canonical site id (the unmapped site holds devices of unmapped vendor organisations).';
comment on column bi.patch_compliance_site.site is 'Canonical site name.';
comment on column bi.patch_compliance_site.source is 'Patch data source: ninjaone or pmp. A device managed by both is counted once in each; never add the sources together.';
comment on column bi.patch_compliance_site.devices_total is 'Devices of this source at the site that day.';
comment on column bi.patch_compliance_site.devices_in_scope is 'Devices judged: not spare, seen (contact or scan) within compliance_settings.stale_after_days, with a patch status.';
comment on column bi.patch_compliance_site.devices_spare is 'Excluded: spare (a spare rule fired).';
comment on column bi.patch_compliance_site.devices_stale_or_offline is 'Excluded: no contact and no scan within compliance_settings.stale_after_days (default 14).';
comment on column bi.patch_compliance_site.devices_unknown is 'Excluded: no patch status, no critical count, or no contact or scan time at all.';
comment on column bi.patch_compliance_site.devices_missing_critical is 'In-scope devices missing at least one critical patch.';
comment on column bi.patch_compliance_site.devices_missing_important is 'In-scope devices missing at least one important patch.';
comment on column bi.patch_compliance_site.missing_critical is 'Missing critical patches summed over in-scope devices (a patch missing on two devices counts twice).';
comment on column bi.patch_compliance_site.missing_important is 'Missing important patches summed over in-scope devices.';
comment on column bi.patch_compliance_site.missing_moderate is 'Missing moderate patches summed over in-scope devices.';
comment on column bi.patch_compliance_site.missing_low is 'Missing low-severity patches summed over in-scope devices.';
comment on column bi.patch_compliance_site.missing_unrated is 'Missing unrated patches summed over in-scope devices.';
comment on column bi.patch_compliance_site.missing_os is 'Missing OS (Microsoft) patches summed over in-scope devices; null when the source does not say.';
comment on column bi.patch_compliance_site.missing_third_party is 'Missing third-party patches summed over in-scope devices; null when the source does not say (NinjaOne).';
comment on column bi.patch_compliance_site.missing_driver is 'Missing driver patches summed over in-scope devices; null when the source does not say.';
comment on column bi.patch_compliance_site.missing_bios is 'Missing BIOS/firmware patches summed over in-scope devices; null when the source does not say (NinjaOne).';
comment on column bi.patch_compliance_site.devices_healthy is 'In-scope devices the vendor rates healthy.';
comment on column bi.patch_compliance_site.devices_vulnerable is 'In-scope devices the vendor rates (moderately) vulnerable.';
comment on column bi.patch_compliance_site.devices_highly_vulnerable is 'In-scope devices the vendor rates highly vulnerable.';
comment on column bi.patch_compliance_site.devices_health_unknown is 'In-scope devices with no health status or an "unknown" one (NinjaOne reports none).';
comment on column bi.patch_compliance_site.devices_scanned is 'In-scope devices scanned for patches (PMP scan status other than not scanned, or a scan time).';
comment on column bi.patch_compliance_site.devices_not_scanned is 'In-scope devices PMP reports as not scanned.';
comment on column bi.patch_compliance_site.devices_scan_unknown is 'In-scope devices with neither a scan status nor a scan time.';
comment on column bi.patch_compliance_site.devices_scan_succeeded is 'Scanned in-scope devices whose last scan succeeded.';
comment on column bi.patch_compliance_site.devices_scan_not_succeeded is 'Scanned in-scope devices whose last scan failed or is still in progress.';
comment on column bi.patch_compliance_site.devices_scan_outcome_unknown is 'Scanned in-scope devices with no scan outcome (a scan time but no status).';
comment on column bi.patch_compliance_site.devices_scanned_within_window is 'In-scope devices whose last scan is within compliance_settings.scan_window_days (default 14, ISM-1702).';
comment on column bi.patch_compliance_site.devices_not_scanned_within_window is 'In-scope devices whose last scan is older than the scan window, or never scanned.';
comment on column bi.patch_compliance_site.devices_scan_window_unknown is 'In-scope devices with no scan time, so the window cannot be checked.';
comment on column bi.patch_compliance_site.devices_exposed_over_30_days is 'In-scope devices that have had missing critical patches for more than 30 consecutive days (materialised by the rollup: 0 for a day not rolled up yet).';
comment on column bi.patch_compliance_site.max_exposure_days is 'Longest current run of consecutive days with missing critical patches among in-scope devices (0 when none, or for a day not rolled up yet; materialised by the rollup).';
