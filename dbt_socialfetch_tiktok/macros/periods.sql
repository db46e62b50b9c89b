{#- Calendar periods of a DATE, as a DATE: weeks are ISO weeks, starting on Monday, on every
    warehouse (BigQuery's `week` starts on Sunday and Snowflake's follows the session's
    WEEK_START, so neither is used there); months start on the 1st. -#}

{% macro socialfetch_period_start(grain, day) -%}
  {%- if grain == 'day' -%}
    {{ day }}
  {%- elif grain == 'week' -%}
    {{ adapter.dispatch('socialfetch_week_start', 'socialfetch_tiktok')(day) }}
  {%- elif grain == 'month' -%}
    cast({{ dbt.date_trunc('month', day) }} as date)
  {%- else -%}
    {{ exceptions.raise_compiler_error("a period is a day, week or month, not " ~ grain) }}
  {%- endif -%}
{%- endmacro %}

{% macro default__socialfetch_week_start(day) -%}cast(date_trunc('week', {{ day }}) as date){%- endmacro %}
{% macro snowflake__socialfetch_week_start(day) -%}cast(dateadd(day, 1 - dayofweekiso({{ day }}), {{ day }}) as date){%- endmacro %}
{% macro bigquery__socialfetch_week_start(day) -%}date_trunc({{ day }}, isoweek){%- endmacro %}

{#- The gains of every count of tiktok__video_daily, summed, as columns named like its own. -#}
{% macro socialfetch_summed_gains(alias) -%}
  {%- for count in socialfetch_tiktok.socialfetch_counts() %}
    cast(sum({{ alias }}.{{ count }}_gained) as {{ dbt.type_bigint() }}) as {{ count }}_gained{{ ',' if not loop.last }}
  {%- endfor %}
{%- endmacro %}
