from teachwhy.cli import main

main()
