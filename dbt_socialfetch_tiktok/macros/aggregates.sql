{#- An aggregate: `value` on the row where `order` is smallest (socialfetch_value_at_min) or
    largest (socialfetch_value_at_max) in the group. -#}

{% macro socialfetch_value_at_min(value, order) -%}
  {{ return(adapter.dispatch('socialfetch_value_at', 'socialfetch_tiktok')(value, order, 'min')) }}
{%- endmacro %}

{% macro socialfetch_value_at_max(value, order) -%}
  {{ return(adapter.dispatch('socialfetch_value_at', 'socialfetch_tiktok')(value, order, 'max')) }}
{%- endmacro %}

{% macro default__socialfetch_value_at(value, order, which) -%}
  {{ which }}_by({{ value }}, {{ order }})
{%- endmacro %}

{% macro postgres__socialfetch_value_at(value, order, which) -%}
  (array_agg({{ value }} order by {{ order }} {{ 'asc' if which == 'min' else 'desc' }}))[1]
{%- endmacro %}

{% macro bigquery__socialfetch_value_at(value, order, which) -%}
  any_value({{ value }} having {{ which }} {{ order }})
{%- endmacro %}
