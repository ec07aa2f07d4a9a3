import BerthCommands

Multicall.main()
