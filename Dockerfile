# The connector image, as the Airbyte platform and CI run it (README "With Docker, as in CI"):
#   docker build -t airbyte/source-socialfetch-tiktok:dev .
#   docker run --rm airbyte/source-socialfetch-tiktok:dev spec
# The base image must equal metadata.yaml's connectorBuildOptions.baseImage (unit_tests/test_packaging.py).
FROM docker.io/library/python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1

WORKDIR /airbyte/integration_code

# The dependencies first, in a layer of their own that only a change of setup.py rebuilds: the
# connector's code changes far more often. The package's directory is empty here, so this installs
# the requirements and metadata only, which are then uninstalled. The test suites that packages
# ship (pandas, numpy, ...) never run in an image: removed (integration_tests/test_image.py reads
# and syncs without them).
COPY setup.py ./
RUN mkdir source_socialfetch_tiktok \
    && pip install . \
    && pip uninstall -y source-socialfetch-tiktok \
    && rm -rf build ./*.egg-info source_socialfetch_tiktok \
    && find /usr/local/lib -type d -name tests -path '*-packages/*' -prune -exec rm -rf {} + \
    && useradd --create-home --uid 1000 --user-group airbyte

# The connector itself (the tests, the emulator and the local-sync tool stay out of the image).
COPY main.py ./
COPY source_socialfetch_tiktok ./source_socialfetch_tiktok
RUN pip install --no-deps . && rm -rf build ./*.egg-info

ENV AIRBYTE_ENTRYPOINT="python /airbyte/integration_code/main.py"
ENTRYPOINT ["python", "/airbyte/integration_code/main.py"]

LABEL io.airbyte.name=airbyte/source-socialfetch-tiktok
LABEL io.airbyte.version=0.4.0

USER airbyte
