from source_socialfetch_tiktok.run import run

if __name__ == "__main__":
    run()
