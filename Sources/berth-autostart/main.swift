import BerthCommands

AutostartCommand.runAsTool()
