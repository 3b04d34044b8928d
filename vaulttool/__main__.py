from vaulttool.cli import main

# A spawned worker process imports the main module again (as `__mp_main__`): it must not run the CLI.
if __name__ == "__main__":
    main()
