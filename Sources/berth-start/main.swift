import BerthCommands

StartCommand.runAsTool()
