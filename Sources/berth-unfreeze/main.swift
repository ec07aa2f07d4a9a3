import BerthCommands

UnfreezeCommand.runAsTool()
