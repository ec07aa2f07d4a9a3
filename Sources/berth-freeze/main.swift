import BerthCommands

FreezeCommand.runAsTool()
