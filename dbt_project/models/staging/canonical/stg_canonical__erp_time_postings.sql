-- Generated from wipcast/contract.py by `python -m wipcast.contract_codegen`; do not edit by hand.
-- raw_canonical.erp_time_postings in the contract's column names and types, plus loaded_at (stage_entity).
{{ stage_canonical('erp_time_postings') }}
