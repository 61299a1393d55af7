-- The billing decision for one device-day, in one place: staging.device_days_billing (every view of
-- billing) and the daily rollup (which counts per class and spare flag before joining the sites) both call it.
CREATE OR REPLACE FUNCTION core.billing_status(site_is_internal boolean, is_spare boolean, device_class text)
RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN CASE
  WHEN site_is_internal THEN 'internal'
  WHEN is_spare THEN 'spare'
  WHEN device_class IN ('workstation', 'server') THEN 'billable'
  ELSE 'not_billed'
END;
