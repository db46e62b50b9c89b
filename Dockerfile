# The connector image, as the Airbyte platform and CI run it:
#   docker build -t airbyte/source-socialfetch-tiktok:dev .
#   docker run --rm airbyte/source-socialfetch-tiktok:dev spec
# The base image must equal metadata.yaml's connectorBuildOptions.baseImage (unit_tests/test_packaging.py).
FROM docker.io/library/python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /airbyte/integration_code

# Only what the connector needs to install and run (the tests, the emulator and the local-sync
# tool stay out of the image).
COPY setup.py main.py ./
COPY source_socialfetch_tiktok ./source_socialfetch_tiktok
RUN pip install --no-cache-dir . \
    && useradd --create-home --uid 1000 --user-group airbyte

ENV AIRBYTE_ENTRYPOINT="python /airbyte/integration_code/main.py"
ENTRYPOINT ["python", "/airbyte/integration_code/main.py"]

LABEL io.airbyte.name=airbyte/source-socialfetch-tiktok
LABEL io.airbyte.version=0.2.0

USER airbyte
