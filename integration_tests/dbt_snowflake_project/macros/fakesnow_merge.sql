{#- fakesnow workarounds for MERGE (this test project only, never in the package). fakesnow 0.12.1
    runs a MERGE as a temporary join of target and source plus a DELETE/UPDATE/INSERT per clause:
    - it selects every column the statement names, so the unqualified columns of dbt's
      `when not matched then insert (...) values ("HANDLE", ...)` (Snowflake reads them as the
      source's) are ambiguous there: "Binder Error: Ambiguous reference to column name";
    - inside dbt-snowflake's `begin; merge ...; commit;` those steps write to two DuckDB databases
      in one transaction, which DuckDB refuses ("a single transaction can only write to a single
      attached database"), and the aborted transaction then fails every later statement.
    So the MERGE below is dbt's own (default__get_merge_sql) with the inserted values qualified by
    the source alias and without the explicit transaction: on Snowflake it means the same, and a
    single MERGE statement is atomic there anyway. dbt finds this macro before dbt-snowflake's
    (the root project comes first when dbt dispatches its own macros). Canary:
    test_dbt_snowflake.py::test_canary_fakesnow_still_needs_the_test_project_workarounds. -#}
{% macro snowflake__get_merge_sql(target, source, unique_key, dest_columns, incremental_predicates) -%}
  {%- if unique_key is none -%}
    {{ exceptions.raise_compiler_error("fakesnow merge workaround: a merge without unique_key is not used by the package") }}
  {%- endif -%}
  {%- set merge = default__get_merge_sql(target, source, unique_key, dest_columns, incremental_predicates) -%}
  {%- set columns = '(' ~ get_quoted_csv(dest_columns | map(attribute='name')) ~ ')' -%}
  {%- set parts = merge.split(columns) -%}
  {%- if parts | length != 3 -%}
    {{ exceptions.raise_compiler_error("fakesnow merge workaround: dbt's MERGE no longer ends in `insert (...) values (...)`"
                                       ~ " with the same column list; update integration_tests/dbt_snowflake_project/macros") }}
  {%- endif -%}
  {%- set qualified = [] -%}
  {%- for column in dest_columns -%}
    {%- do qualified.append('DBT_INTERNAL_SOURCE.' ~ adapter.quote(column.name)) -%}
  {%- endfor -%}
  {{ return(parts[0] ~ columns ~ parts[1] ~ '(' ~ qualified | join(', ') ~ ')' ~ parts[2]) }}
{%- endmacro %}
