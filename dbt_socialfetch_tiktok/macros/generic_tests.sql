{#- The few generic tests the package needs (dbt Hub packages such as dbt_utils are not a
    dependency: dbt deps cannot reach the Hub everywhere this package runs). -#}

{% test socialfetch_unique_combination(model, combination) %}
select {{ combination | join(', ') }}, count(*) as rows_with_this_key
from {{ model }}
group by {{ combination | join(', ') }}
having count(*) > 1
{% endtest %}

{% test socialfetch_not_negative(model, column_name) %}
select * from {{ model }} where {{ column_name }} < 0
{% endtest %}
