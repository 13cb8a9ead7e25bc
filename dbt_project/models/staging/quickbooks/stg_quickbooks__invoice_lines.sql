-- Generated from wipcast/contract.py by `python -m wipcast.contract_codegen`; do not edit by hand.
-- conformed_quickbooks.invoice_lines in the contract's column names and types,
-- plus loaded_at (stage_entity); empty while the connector has not synced.
{{ stage_entity('conformed_quickbooks', 'invoice_lines') }}
