from vaulttool.cli import main

main()
