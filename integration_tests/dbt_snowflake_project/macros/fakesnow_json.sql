{#- fakesnow workaround (this test project only; dbt_project.yml's dispatch finds it before the
    package's): fakesnow 0.12.1 translates CAST(GET(variant, 'key') AS VARCHAR) to a cast of the
    member's JSON, which keeps a string's quotes ('"m1"'); Snowflake gives the string itself (m1).
    It translates GET_PATH(variant, 'key') to DuckDB's ->> (the string), which on Snowflake reads
    the same member as GET. So only this spelling of the package's snowflake__socialfetch_json_text
    differs from the package on fakesnow. Canary:
    test_dbt_snowflake.py::test_canary_fakesnow_still_needs_the_test_project_workarounds. -#}
{% macro snowflake__socialfetch_json_text(expression, key) -%}
  cast(get_path({{ expression }}, '{{ key }}') as varchar)
{%- endmacro %}
