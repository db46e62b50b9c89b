from source_socialfetch_tiktok.run import run

# The image's entrypoint (PID 1). The import above is the standard library's only: run() blocks the
# cancel signals before the CDK's imports, so a `docker stop` at start-up is not lost (cancellation.py).
if __name__ == "__main__":
    run()
