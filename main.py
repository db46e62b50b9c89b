import signal
import sys

# The image's entrypoint runs as PID 1, which ignores a signal it has no handler for. Until run()
# installs its own (after the CDK's imports, about a second), SIGTERM ends it: nothing is done yet.
signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))

from source_socialfetch_tiktok.run import run  # noqa: E402

if __name__ == "__main__":
    run()
