-- Legal entities of the firm.
select
    cast(entity_id as {{ type_varchar() }}) as entity_id,
    cast(name as {{ type_varchar() }}) as entity_name,
    cast(country as {{ type_varchar() }}) as country,
    cast(currency as {{ type_varchar() }}) as currency,
    cast(source_system as {{ type_varchar() }}) as source_system
from {{ ref('int_legal_entities') }}
