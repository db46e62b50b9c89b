from pathlib import Path

from setuptools import find_packages, setup

VERSION = "0.4.0"

MAIN_REQUIREMENTS = [
    "airbyte-cdk==7.39.1",
    "requests>=2.31",
    "jsonschema>=4.17",
]

LOCAL_REQUIREMENTS = [
    # PyAirbyte, for syncing without the platform; kept out of the connector's own install.
    "airbyte==0.71.3",
    # `make demo`'s growth chart (data/growth.png), drawn with the non-interactive Agg backend.
    "matplotlib>=3.8",
]

TEST_REQUIREMENTS = [
    "airbyte-cdk[dev]==7.39.1",
    "pytest>=7.4,<8",
    "pytest-timeout>=2.3",
    "pytest-xdist>=3.6",  # `make test` runs the tests on TEST_WORKERS processes (docs/development.md)  # a hung test fails alone instead of stalling CI (pytest.ini sets the limit)
    "hypothesis>=6",
    "ruff>=0.6",
    "mypy>=1.10",
    "types-requests",
    "dockerfile-parse==2.0.1",
    "airbyte-connector-models==0.1.12",
    "psycopg2-binary>=2.9",
    "PyYAML>=6",
    "py-spy>=0.3",  # the benchmark's profile
    "matplotlib>=3.8",  # the freshness benchmark's chart (bench/freshness.py)
]

DBT_REQUIREMENTS = [
    # The dbt package dbt_socialfetch_tiktok/ on the local destinations. dbt-core 1.12 depends on a
    # parser whose build downloads from outside the package index: pinned below it.
    "dbt-core>=1.11,<1.12",
    "dbt-duckdb==1.11.1",
    "dbt-postgres==1.11.0",
]

DBT_CHECK_REQUIREMENTS = [
    # Compile the package for the warehouses that cannot run here, and parse the SQL in their dialect.
    # dbt-snowflake 1.11 needs snowflake-connector-python>=4, airbyte 0.71.3 pins it below 4: 1.10
    # (whose adapter works with dbt-core 1.11) resolves with both.
    "dbt-snowflake>=1.10,<1.11",
    "dbt-bigquery>=1.11,<1.12",
    "sqlglot>=25",
]

CONSOLE_SCRIPTS = ["source-socialfetch-tiktok=source_socialfetch_tiktok.run:run"]
# The local-sync tool (needs the `local` extra, PyAirbyte) only where its package is: the image
# copies the connector alone, and must not install a console script whose module it lacks.
if (Path(__file__).parent / "socialfetch_local").is_dir():
    CONSOLE_SCRIPTS.append("socialfetch-local-sync=socialfetch_local.cli:run")
# The emulator, a local Social Fetch for trying the connector offline (not in the image either).
if (Path(__file__).parent / "socialfetch_emulator").is_dir():
    CONSOLE_SCRIPTS.append("socialfetch-emulator=socialfetch_emulator.__main__:main")

setup(
    name="source-socialfetch-tiktok",
    version=VERSION,
    description="Airbyte source for TikTok profile videos and profiles from the Social Fetch API.",
    author="source-socialfetch-tiktok developers",
    license="MIT",
    python_requires=">=3.10,<3.13",
    packages=find_packages(
        include=["source_socialfetch_tiktok", "source_socialfetch_tiktok.*", "socialfetch_local", "socialfetch_local.*",
                 "socialfetch_emulator"]
    ),
    package_data={"source_socialfetch_tiktok": ["spec.json", "schemas/*.json"]},
    install_requires=MAIN_REQUIREMENTS,
    extras_require={
        "local": LOCAL_REQUIREMENTS, "tests": TEST_REQUIREMENTS, "dbt": DBT_REQUIREMENTS,
        "dbt-check": DBT_REQUIREMENTS + DBT_CHECK_REQUIREMENTS,
    },
    entry_points={"console_scripts": CONSOLE_SCRIPTS},
)
