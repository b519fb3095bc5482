from ludice.cli import main

main()
