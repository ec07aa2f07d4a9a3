import BerthCommands

AttachCommand.runAsTool()
