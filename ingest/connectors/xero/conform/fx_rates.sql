-- Xero invoices' CurrencyRate -> fx_rates. CurrencyRate is units of the invoice currency per one unit
-- of the organisation's base currency, so one unit of the invoice currency is 1 / CurrencyRate of
-- the base. Rows only when the base (connectors.xero.legal_entity.currency) is the reporting
-- currency: Xero holds no rate from the base into another currency. One rate per day and currency:
-- the most recently updated invoice's. Base-currency invoices (rate 1) give no row.
SELECT
    i."date" AS rate_date,
    upper(i.currency_code) AS currency,
    arg_max(1.0 / i.currency_rate, i.updated_at) AS rate_to_reporting,
    CAST(to_json(arg_max(i, i.updated_at)) AS VARCHAR) AS _source_row,
    max(i._dlt_load_id) AS _source_load_id
FROM xero_invoices AS i
CROSS JOIN xero_org AS o
CROSS JOIN cfg_defaults AS d
WHERE i.currency_rate > 0
    AND i."date" IS NOT NULL
    AND upper(i.currency_code) <> o.currency
    AND o.currency = d.reporting_currency
    AND i.status <> 'VOIDED'
GROUP BY i."date", upper(i.currency_code)
