-- NetSuite currency rates -> fx_rates. A currencyrate row says one unit of the transaction currency
-- is worth `exchangerate` units of the base currency on its effective date. Into the reporting
-- currency: rate(currency -> base) / rate(reporting -> base), the base itself at 1; when several
-- bases (subsidiaries' currencies) give a rate, the reporting currency as base wins, else the first.
-- The reporting currency's own rate (always 1) is not a row, as in the canonical files.
WITH rates AS (
    SELECT
        CAST(try_strptime(r.effectivedate, ['%Y-%m-%d', '%m/%d/%Y']) AS DATE) AS rate_date,
        upper(b.symbol) AS base,
        upper(t.symbol) AS currency,
        CAST(r.exchangerate AS DOUBLE) AS rate,
        r._dlt_load_id,
        CAST(to_json(r) AS VARCHAR) AS _source_row
    FROM raw_netsuite.currency_rates AS r
    INNER JOIN raw_netsuite.currencies AS b ON b.id = r.basecurrency
    INNER JOIN raw_netsuite.currencies AS t ON t.id = r.transactioncurrency
    WHERE r._wipcast_deleted_at IS NULL
),

with_base AS (
    SELECT rate_date, base, currency, rate, _dlt_load_id, _source_row FROM rates
    UNION ALL
    SELECT DISTINCT rate_date, base, base, 1.0, NULL, NULL FROM rates
)

SELECT
    x.rate_date,
    x.currency,
    x.rate / rep.rate AS rate_to_reporting,
    x._source_row,
    x._dlt_load_id AS _source_load_id
FROM with_base AS x
CROSS JOIN cfg_defaults AS d
INNER JOIN with_base AS rep
    ON rep.rate_date = x.rate_date AND rep.base = x.base AND rep.currency = d.reporting_currency
WHERE x.currency <> d.reporting_currency
QUALIFY row_number() OVER (
    PARTITION BY x.rate_date, x.currency ORDER BY x.base = d.reporting_currency DESC, x.base
) = 1
